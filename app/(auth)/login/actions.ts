"use server";
import { AuthError } from "next-auth";
import { cookies } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { signIn, OIDC_PROVIDER_ID, SignInRefused } from "@/lib/auth/auth";
import { TICKET_COOKIE, TICKET_TTL_SECONDS } from "@/lib/auth/second-factor-ticket";
import { env } from "@/lib/env";

/** `step: "code"`: the password was right and the account has two-factor sign-in; the form asks for the code. */
export type LoginState = { error?: string; step?: "code" } | null;

const passwordSchema = z.object({ email: z.string().trim().min(1, "Enter your email"), password: z.string().min(1, "Enter your password") });
const codeSchema = z.object({ code: z.string().trim().min(1, "Enter the code").max(40, "That is not a code") });

async function ticketCookie() {
  return (await cookies()).get(TICKET_COOKIE)?.value;
}

async function setTicketCookie(ticket: string | null) {
  const jar = await cookies();
  if (!ticket) {
    jar.delete({ name: TICKET_COOKIE, path: "/login" });
    return;
  }
  jar.set(TICKET_COOKIE, ticket, { httpOnly: true, sameSite: "lax", path: "/login", maxAge: TICKET_TTL_SECONDS, secure: env().publicUrl.startsWith("https:") });
}

// Sign-in is the one action without a session check: it is how a session is made. Every attempt is audited.
// One action for both steps, so the form's state follows the sign-in: a `code` field means the second step.
export async function signInStepAction(_prev: LoginState, formData: FormData): Promise<LoginState> {
  if (formData.has("code")) return secondStep(formData);
  const parsed = passwordSchema.safeParse({ email: formData.get("email"), password: formData.get("password") });
  if (!parsed.success) return { error: parsed.error.issues[0].message };
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: "/" });
    return null;
  } catch (error) {
    if (error instanceof SignInRefused && error.ticket) {
      await setTicketCookie(error.ticket);
      return { step: "code" };
    }
    if (error instanceof SignInRefused) return { error: error.userMessage };
    if (error instanceof AuthError) return { error: "Wrong email or password, or the account is disabled." };
    throw error; // includes Next's redirect on success
  }
}

async function secondStep(formData: FormData): Promise<LoginState> {
  const parsed = codeSchema.safeParse({ code: formData.get("code") });
  if (!parsed.success) return { step: "code", error: parsed.error.issues[0].message };
  const ticket = await ticketCookie();
  if (!ticket) return { error: "The sign-in took too long. Enter your email and password again." };
  try {
    await signIn("credentials", { ticket, code: parsed.data.code, redirectTo: "/" });
    return null;
  } catch (error) {
    if (error instanceof SignInRefused) {
      if (error.restart) {
        await setTicketCookie(null);
        return { error: error.userMessage };
      }
      return { step: "code", error: error.userMessage };
    }
    if (error instanceof AuthError) return { step: "code", error: "That code is not right." };
    unstable_rethrow(error);
    throw error;
  }
}

export async function ssoSignInAction(): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { redirectTo: "/" });
}
