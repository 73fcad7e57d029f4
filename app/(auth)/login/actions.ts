"use server";
import { AuthError } from "next-auth";
import { z } from "zod";
import { signIn, OIDC_PROVIDER_ID, SignInRefused } from "@/lib/auth/auth";

export type LoginState = { error?: string } | null;

const schema = z.object({ email: z.string().trim().min(1, "Enter your email"), password: z.string().min(1, "Enter your password") });

// Sign-in is the one action without a session check: it is how a session is made. Every attempt is audited.
export async function passwordSignInAction(_prev: LoginState, formData: FormData): Promise<LoginState> {
  const parsed = schema.safeParse({ email: formData.get("email"), password: formData.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0].message };
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: "/" });
    return null;
  } catch (error) {
    if (error instanceof SignInRefused) return { error: error.userMessage };
    if (error instanceof AuthError) return { error: "Wrong email or password, or the account is disabled." };
    throw error; // includes Next's redirect on success
  }
}

export async function ssoSignInAction(): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { redirectTo: "/" });
}
