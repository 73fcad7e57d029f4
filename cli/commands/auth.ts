/** `rotor login`, `rotor logout`, `rotor whoami`. */
import os from "node:os";
import { Command, Option } from "commander";
import { positiveInteger } from "../arguments";
import { RotorClient } from "../api-client";
import type { CreatedToken, Token, WhoAmI } from "../api-types";
import { signedInClient } from "../context";
import { credentialsPath, isCleartextRemote, normalizeUrl, readCredentials, resolveTarget, writeCredentials } from "../credentials";
import { ApiError, CliError, EXIT } from "../errors";
import { note, outputOption, printJson, printLine, shortTime, type OutputFormat } from "../output";
import { ask, readStdin } from "../prompt";

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  withToken?: boolean;
  otp?: string;
  name?: string;
  expiresInDays?: number;
}

export function loginCommand(): Command {
  return new Command("login")
    .description("Sign in to a Rotor server and store a personal token for this machine")
    .argument("<url>", "Rotor's address, e.g. https://rotor.example.com")
    .option("--email <email>", "your email (asked when omitted)")
    .option("--password-stdin", "read the password from stdin instead of asking")
    .option("--with-token", "store a token read from stdin (e.g. a service token) instead of signing in")
    .option("--otp <code>", "one-time code, when your account has two-factor sign-in")
    .option("--name <name>", "a name for the token, shown in Settings → API tokens", `rotor CLI on ${os.hostname()}`)
    .addOption(new Option("--expires-in-days <days>", "the token expires after this many days (default: the server's)").argParser(positiveInteger))
    .addHelpText(
      "after",
      `
The token is stored in ${credentialsPath()} (mode 0600; XDG_CONFIG_HOME moves it).
ROTOR_URL and ROTOR_TOKEN override that file.

Examples:
  rotor login https://rotor.example.com
  printf '%s' "$PASSWORD" | rotor login https://rotor.example.com --email me@example.com --password-stdin
  printf '%s' "$SERVICE_TOKEN" | rotor login https://rotor.example.com --with-token`,
    )
    .action(async (rawUrl: string, options: LoginOptions) => {
      if (options.withToken && (options.passwordStdin || options.email)) {
        throw new CliError("--with-token stores a token: it takes no --email or --password-stdin.", EXIT.usage);
      }
      const url = normalizeUrl(rawUrl);
      if (isCleartextRemote(url)) note(`warning: ${url} is plain http: your password and token cross the network unencrypted`);
      const created = options.withToken ? await verifyToken(url, await readStdin("the token")) : await signIn(url, options);
      const credentials = readCredentials();
      const previous = credentials.servers[url];
      credentials.servers[url] = {
        token: created.token,
        tokenId: created.tokenInfo.id,
        tokenPrefix: created.tokenInfo.prefix,
        email: created.user?.email ?? null,
        issuedByLogin: !options.withToken,
        savedAt: new Date().toISOString(),
      };
      credentials.default = url;
      writeCredentials(credentials);
      // The token this login replaces is of no use any more: revoke it rather than leave it valid.
      if (previous?.issuedByLogin && previous.token !== created.token) await revokeToken(url, previous.token).catch(() => {});
      const who = created.user ? `${created.user.email} (${created.user.role})` : describeAccess(created.tokenInfo);
      printLine(`Signed in to ${url} as ${who}. Token ${created.tokenInfo.prefix} saved in ${credentialsPath()}.`);
    });
}

async function signIn(url: string, options: LoginOptions): Promise<CreatedToken> {
  const email = options.email ?? (await ask("Email: "));
  const password = options.passwordStdin ? await readStdin("the password") : await ask("Password: ", { secret: true });
  if (!email || !password) throw new CliError("Give an email and a password.", EXIT.usage);
  const client = new RotorClient({ url });
  const body = { email, password, name: options.name, expiresInDays: options.expiresInDays };
  try {
    return await client.json<CreatedToken>("POST", "/auth/token", { body: { ...body, otp: options.otp }, auth: false });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "auth:otp-required" || options.otp) throw error;
    const otp = await ask("One-time code: ");
    return client.json<CreatedToken>("POST", "/auth/token", { body: { ...body, otp }, auth: false });
  }
}

async function verifyToken(url: string, token: string): Promise<CreatedToken> {
  const trimmed = token.trim();
  if (!/^rtr_[A-Za-z0-9_-]{20,}$/.test(trimmed)) throw new CliError("That is not a Rotor token (they start with rtr_).", EXIT.usage);
  const who = await new RotorClient({ url, token: trimmed }).get<WhoAmI>("/whoami");
  return { token: trimmed, tokenInfo: who.token, user: who.user ?? undefined };
}

/** Revokes the token; one that has expired or was revoked already (401) counts as done. */
async function revokeToken(url: string, token: string): Promise<void> {
  try {
    await new RotorClient({ url, token }).delete("/tokens/current");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}

export function logoutCommand(): Command {
  return new Command("logout")
    .description("Revoke this machine's token and remove it from the credentials file")
    .argument("[url]", "which Rotor (default: ROTOR_URL, else the one signed in to last)")
    .action(async (rawUrl: string | undefined) => {
      const credentials = readCredentials();
      const url = rawUrl ? normalizeUrl(rawUrl) : resolveTarget().url;
      const stored = credentials.servers[url];
      if (process.env.ROTOR_TOKEN) note("note: ROTOR_TOKEN is set in your environment; logout neither revokes nor unsets it.");
      if (!stored) {
        printLine(`Not signed in to ${url}: nothing to do.`);
        return;
      }
      let notRevoked: string | undefined;
      try {
        if (stored.issuedByLogin) await revokeToken(url, stored.token);
        else notRevoked = "it was given with --with-token and may be in use elsewhere";
      } catch (error) {
        notRevoked = (error as Error).message.split("\n")[0];
      }
      delete credentials.servers[url];
      if (credentials.default === url) credentials.default = Object.keys(credentials.servers)[0];
      writeCredentials(credentials);
      const token = stored.tokenPrefix ?? "the token";
      if (notRevoked === undefined) printLine(`Signed out of ${url}: ${token} revoked and removed from ${credentialsPath()}.`);
      else {
        printLine(`Removed ${token} for ${url} from ${credentialsPath()}.`);
        note(`note: it was not revoked (${notRevoked}); revoke it in Settings → API tokens if it should stop working.`);
      }
    });
}

export function whoamiCommand(): Command {
  return new Command("whoami")
    .description("Show which Rotor, user and token the CLI uses")
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat }) => {
      const client = signedInClient();
      const who = await client.get<WhoAmI>("/whoami");
      if (options.output === "json") return printJson({ url: client.target.url, ...who });
      const source = resolveTarget().tokenSource;
      printLine(`${client.target.url}: ${who.user ? `${who.user.email} (${who.user.role})` : describeAccess(who.token)}`);
      printLine(`token ${who.token.prefix} "${who.token.name}" (${who.token.kind}, from ${source}), expires ${shortTime(who.token.expiresAt) || "never"}`);
    });
}

/** `service token "ci" (read on prod-app, staging)` */
export function describeAccess(token: Token): string {
  const environments = token.environments === "*" ? "all environments" : token.environments.join(", ") || "no environments";
  return token.kind === "service" ? `service token "${token.name}" (${token.scope} on ${environments})` : `personal token "${token.name}" (${token.role})`;
}
