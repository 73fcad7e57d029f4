import "server-only";
/**
 * next-auth (Auth.js v5) setup. Sessions are signed+encrypted JWT cookies; the cookie carries only the user
 * id, the server-side session id (lib/auth/sessions.ts) and the sign-in time. Who the user is and what they may do is read from the database on every request
 * (lib/auth/session.ts), so disabling a user or changing a role takes effect immediately.
 */
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { env } from "../env";
import { getAppContext } from "../app-context";
import { signInFailureMessage, signInWithPassword, signInWithSecondFactor } from "./password-sign-in";
import { issueTicket, readTicket } from "./second-factor-ticket";
import { getUserById } from "../db/queries/users";
import { signInOidcUser } from "./oidc-users";
import { getUserByOidcSubject } from "../db/queries/users";
import { requestIp, requestUserAgent } from "./request-ip";
import { SESSION_MAX_AGE_SECONDS, startSession } from "./sessions";
import { completeOidcProfile } from "./oidc-userinfo";
import { logError } from "../log";

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });
/** The second step of a two-factor sign-in: the ticket of the right password, and the code. */
const secondFactorSchema = z.object({ ticket: z.string().min(1).max(400), code: z.string().trim().min(1).max(40) });

export const OIDC_PROVIDER_ID = "oidc";

/**
 * A refused password sign-in, carrying what the person reads (the same text for every wrong-credentials
 * cause; throttling and a busy server say so). Auth.js hands this very error to the sign-in action.
 */
export class SignInRefused extends CredentialsSignin {
  constructor(
    readonly userMessage: string,
    /** The password was right and the account has a second factor: the ticket for the code step. */
    readonly ticket?: string,
    /** The code step cannot go on (ticket expired or void): start again with the password. */
    readonly restart = false,
  ) {
    super();
    this.code = "refused";
  }
}

const RESTART_MESSAGE = "The sign-in took too long, or your password changed meanwhile. Enter your email and password again.";

async function buildConfig(): Promise<NextAuthConfig> {
  const config = env();
  const { db, keyring } = await getAppContext();
  const oidc = config.oidc;
  return {
    // Derived from the master key unless AUTH_SECRET is set, so a fresh install needs no extra secret.
    secret: config.authSecret ?? keyring.derive("auth-session-secret"),
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    logger: {
      // Auth.js logs whole error objects (with stack); keep logs to a line without request data.
      // Class names are minified in production builds; Auth.js's `type` ("CredentialsSignin") is stable.
      error: (error) => {
        const kind = (error as { type?: string }).type ?? error.name;
        logError(`auth: ${kind}${error.message ? `: ${error.message.split("\n")[0]}` : ""}`);
      },
      warn: () => undefined,
    },
    providers: [
      Credentials({
        id: "credentials",
        name: "Email and password",
        credentials: { email: {}, password: {} },
        async authorize(raw) {
          const second = secondFactorSchema.safeParse(raw);
          if (second.success) {
            const ticket = readTicket({ keyring, ticket: second.data.ticket });
            const owner = ticket ? await getUserById({ db, id: ticket.userId }) : undefined;
            if (!ticket || !owner || !ticket.check(owner)) throw new SignInRefused(RESTART_MESSAGE, undefined, true);
            const result = await signInWithSecondFactor({ db, keyring, userId: owner.id, code: second.data.code, ip: await requestIp() });
            if (!result.ok) throw new SignInRefused(signInFailureMessage(result), undefined, result.reason === "invalid");
            return { id: result.user.id, email: result.user.email, name: result.user.name };
          }
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new CredentialsSignin();
          const result = await signInWithPassword({ db, ...parsed.data, ip: await requestIp() });
          if (!result.ok && result.reason === "second-factor") throw new SignInRefused(signInFailureMessage(result), issueTicket({ keyring, user: result.user }));
          if (!result.ok) throw new SignInRefused(signInFailureMessage(result));
          return { id: result.user.id, email: result.user.email, name: result.user.name };
        },
      }),
      ...(oidc
        ? [
            {
              id: OIDC_PROVIDER_ID,
              name: oidc.name,
              type: "oidc" as const,
              issuer: oidc.issuer,
              clientId: oidc.clientId,
              clientSecret: oidc.clientSecret,
              authorization: { params: { scope: oidc.scopes } },
              checks: ["pkce", "state", "nonce"] as ("pkce" | "state" | "nonce")[],
            },
          ]
        : []),
    ],
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        if (!oidc || !account.providerAccountId) return false;
        let claims: Record<string, unknown>;
        try {
          claims = await completeOidcProfile({
            issuer: oidc.issuer,
            accessToken: account.access_token,
            idTokenClaims: (profile ?? {}) as Record<string, unknown>,
          });
        } catch (error) {
          logError("single sign-on: cannot read the user's claims from the identity provider", error);
          return "/login?error=OAuthCallbackError";
        }
        const result = await signInOidcUser({
          db,
          config: oidc,
          subject: account.providerAccountId,
          profile: claims,
          ip: await requestIp(),
        });
        return result.ok ? true : "/login?error=AccessDenied";
      },
      async jwt({ token, user, account }) {
        // At sign-in only (user/account are set then): the cookie names a new server-side session.
        let uid: string | undefined;
        let method: "password" | "oidc" = "password";
        if (account?.provider === OIDC_PROVIDER_ID && oidc) {
          uid = (await getUserByOidcSubject({ db, issuer: oidc.issuer, subject: account.providerAccountId }))?.id;
          method = "oidc";
        } else if (user) {
          uid = user.id;
        }
        if (uid) {
          const session = await startSession({ db, userId: uid, method, ip: await requestIp(), userAgent: await requestUserAgent() });
          token.uid = uid;
          token.sid = session.id;
          token.signedInAt = Date.now();
        }
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          userId: token.uid as string | undefined,
          sessionId: token.sid as string | undefined,
          signedInAt: token.signedInAt as number | undefined,
        };
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(async () => buildConfig());
