"use server";
import { redirect } from "next/navigation";
import { getAppContext } from "@/lib/app-context";
import { completeSetup } from "@/lib/users/setup";
import { isAppError } from "@/lib/errors";
import { parseActionInput } from "@/lib/auth/action";
import { requestIp } from "@/lib/auth/request-ip";
import { setupSchema } from "@/lib/users/validation";

export type SetupState = { error?: string; fieldErrors?: Record<string, string> } | null;

// No session exists yet: the one-time setup token is the credential, checked inside completeSetup.
export async function setupAction(_prev: SetupState, formData: FormData): Promise<SetupState> {
  const parsed = parseActionInput(setupSchema, formData);
  if (!parsed.ok) return { error: parsed.error, fieldErrors: parsed.fieldErrors };
  try {
    const { db } = await getAppContext();
    await completeSetup({ db, ...parsed.data, ip: await requestIp() });
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
  redirect("/login?created=1");
}
