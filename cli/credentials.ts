/**
 * Where `rotor` keeps what `rotor login` obtained: `$XDG_CONFIG_HOME/rotor/credentials.json` (default
 * `~/.config/rotor/credentials.json`), mode 0600 in a 0700 directory, one entry per Rotor URL and a default
 * URL (the last one signed in to). ROTOR_URL and ROTOR_TOKEN override the file, so CI and containers need
 * no file at all.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./errors";
import type { RotorTarget } from "./api-client";

export interface StoredLogin {
  token: string;
  /** Listed prefix (`rtr_abcd1234`) and id, so `rotor logout` can revoke it and `whoami` can name it. */
  tokenId?: string;
  tokenPrefix?: string;
  email?: string | null;
  /**
   * Created by `rotor login` for this machine (so logout and a new login revoke it), as opposed to a token
   * given with `--with-token`, which may be in use elsewhere and is only forgotten.
   */
  issuedByLogin?: boolean;
  savedAt: string;
}

export interface CredentialsFile {
  default?: string;
  servers: Record<string, StoredLogin>;
}

type Env = Record<string, string | undefined>;

export function credentialsPath(env: Env = process.env): string {
  // The XDG spec says relative values are invalid and must be ignored.
  const configHome = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), ".config");
  return path.join(configHome, "rotor", "credentials.json");
}

export function readCredentials(file = credentialsPath()): CredentialsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { servers: {} };
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: Partial<CredentialsFile>;
  try {
    parsed = JSON.parse(text) as Partial<CredentialsFile>;
  } catch {
    throw new CliError(`${file} is not valid JSON. Fix it, or delete it and run \`rotor login <url>\` again.`);
  }
  return { default: parsed.default, servers: parsed.servers && typeof parsed.servers === "object" ? parsed.servers : {} };
}

/** Written to a temporary file (0600) and renamed over the old one, so a crash never leaves half a file. */
export function writeCredentials(credentials: CredentialsFile, file = credentialsPath()): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = path.join(dir, `.credentials.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new CliError(`Cannot write ${file}: ${(error as Error).message}`);
  }
}

/** `https://Rotor.example.com/` → `https://rotor.example.com`; a path prefix is kept. */
export function normalizeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.includes("://") ? text : `https://${text}`);
  } catch {
    throw new CliError(`"${text}" is not a URL: give Rotor's address, e.g. https://rotor.example.com`, EXIT.usage);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CliError(`"${text}" is not an http(s) URL: give Rotor's address, e.g. https://rotor.example.com`, EXIT.usage);
  }
  if (url.username || url.password) throw new CliError("Put no user name or password in Rotor's URL: `rotor login` asks for them.", EXIT.usage);
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}

/** Plain http is fine on this machine; anywhere else the token would cross the network in clear text. */
export function isCleartextRemote(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && !["localhost", "127.0.0.1", "[::1]", "::1"].includes(hostname) && !hostname.endsWith(".localhost");
}

export interface ResolvedTarget extends RotorTarget {
  /** Where the token came from, for `whoami` and for error messages. */
  tokenSource: "ROTOR_TOKEN" | "credentials file" | "none";
}

/**
 * Which Rotor and which token a command uses: ROTOR_URL, else the file's default; ROTOR_TOKEN, else the
 * file's token for that URL.
 */
export function resolveTarget(env: Env = process.env, file = credentialsPath(env)): ResolvedTarget {
  const credentials = readCredentials(file);
  const url = env.ROTOR_URL?.trim() ? normalizeUrl(env.ROTOR_URL.trim()) : credentials.default;
  if (!url) {
    throw new CliError("Not signed in: run `rotor login <url>`, or set ROTOR_URL and ROTOR_TOKEN.", EXIT.auth);
  }
  const envToken = env.ROTOR_TOKEN?.trim();
  if (envToken) return { url, token: envToken, tokenSource: "ROTOR_TOKEN" };
  const stored = credentials.servers[url];
  if (stored?.token) return { url, token: stored.token, tokenSource: "credentials file" };
  return { url, token: undefined, tokenSource: "none" };
}

/** The target of a command that needs a token: a clear "sign in" error instead of a 401 round trip. */
export function requireToken(target: ResolvedTarget): ResolvedTarget & { token: string } {
  if (!target.token) {
    throw new CliError(`Not signed in to ${target.url}: run \`rotor login ${target.url}\`, or set ROTOR_TOKEN.`, EXIT.auth);
  }
  return target as ResolvedTarget & { token: string };
}

/** ssh's rule: a credentials file others can read is a leak waiting to happen; say so (but still work). */
export function looseModeWarning(file = credentialsPath()): string | null {
  try {
    const mode = fs.statSync(file).mode & 0o777;
    return mode & 0o077 ? `warning: ${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}` : null;
  } catch {
    return null;
  }
}
