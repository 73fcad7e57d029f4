/**
 * One short-lived connection to Redis per operation (sign in → a few commands → close), and the mapping of
 * driver failures to RotatorError in the user's terms. Rotations are rare: a pool would only keep connections
 * (and the managing login) open for nothing.
 */
import { isIP } from "node:net";
import { ConnectionTimeoutError, createClient, ErrorReply, SocketClosedUnexpectedlyError, TimeoutError } from "@redis/client";
import { RotatorError, redactSecrets, type RotatorErrorCode } from "../errors";
import { driverText, sanitizedCause } from "../sql/driver-errors";
import { tlsOptionsOf } from "../sql/dialect";
import type { RedisInputs } from "./inputs";

export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

export type RedisPhase = "managing-login" | "inspect" | "set-password" | "verify-login" | "save";

export interface RedisSession {
  /** One command; its reply as the driver decodes it (RESP3 maps become objects). */
  command(args: string[]): Promise<unknown>;
}

export interface RedisLogin {
  username: string;
  password: string;
}

type Connection = Pick<RedisInputs, "host" | "port" | "tls" | "timeoutMs">;

const where = (c: Connection) => `Redis at ${c.host}:${c.port}`;

/** Connects as `login`, runs `body`, always closes. Failures become RotatorErrors whose texts hold no secret. */
export async function withRedis<T>(
  connection: Connection,
  login: RedisLogin,
  context: { phase: RedisPhase; secrets: readonly string[]; managing?: string },
  body: (session: RedisSession) => Promise<T>,
): Promise<T> {
  const timeoutMs = connection.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const tls = tlsOptionsOf(connection.tls);
  const client = createClient({
    socket: {
      host: connection.host,
      port: connection.port,
      connectTimeout: timeoutMs,
      // A failed rotation step is retried by the engine with its own policy, never by the driver behind its back.
      reconnectStrategy: false,
      ...(tls ? { tls: true as const, rejectUnauthorized: tls.rejectUnauthorized, ...(tls.ca ? { ca: tls.ca } : {}), ...(isIP(connection.host) ? {} : { servername: connection.host }) } : {}),
    },
    username: login.username,
    password: login.password,
    commandOptions: { timeout: timeoutMs },
    // CLIENT SETINFO would need a permission the managing user does not otherwise need.
    disableClientInfo: true,
  });
  // The driver also reports failures as events; the awaited calls below carry them to us.
  client.on("error", () => undefined);
  let phase: RedisPhase = context.phase === "verify-login" ? "verify-login" : "managing-login";
  try {
    await client.connect();
    phase = context.phase;
    return await body({ command: (args) => client.sendCommand(args) });
  } catch (error) {
    throw redisError(error, connection, { ...context, phase, login: login.username });
  } finally {
    client.destroy();
  }
}

const ACTION: Record<RedisPhase, string> = {
  "managing-login": "sign in as the managing user",
  inspect: "read the ACL users",
  "set-password": "change the ACL user's passwords",
  "verify-login": "sign in with the credential",
  save: "save the ACL file (ACL SAVE)",
};

export function redisError(
  error: unknown,
  connection: Connection,
  context: { phase: RedisPhase; secrets: readonly string[]; managing?: string; login?: string },
): RotatorError {
  if (error instanceof RotatorError) return error;
  const { phase, secrets } = context;
  const at = where(connection);
  const text = driverText(error, secrets);
  const code = typeof (error as { code?: unknown })?.code === "string" ? ((error as { code: string }).code) : "";
  const seconds = Math.round((connection.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS) / 100) / 10;
  const make = (rotatorCode: RotatorErrorCode, message: string) =>
    new RotatorError(rotatorCode, redactSecrets(message, secrets), { cause: sanitizedCause(error, secrets) });

  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(code)) {
    return make("target:unreachable", `Cannot reach ${at} (${text}). Check host, port and network access.`);
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return make("target:rejected", `The TLS certificate of ${at} does not name "${connection.host}". Connect with a host name the certificate lists, or use TLS mode "require" to encrypt without checking it.`);
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    return make("target:rejected", `The TLS certificate of ${at} was not accepted (${text}). Provide the CA certificate (PEM) that signed it, or use TLS mode "require" to encrypt without checking it.`);
  }
  if (error instanceof ConnectionTimeoutError) {
    const tlsHint = connection.tls.mode === "disable" ? "" : ' If the server does not speak TLS on this port, set TLS to "disable" (only on a trusted network).';
    return make("target:unreachable", `Cannot reach ${at} (no answer within ${seconds}s). Check host, port and network access.${tlsHint}`);
  }
  if (error instanceof TimeoutError) {
    return make("target:timeout", `${at} did not answer the request to ${ACTION[phase]} within ${seconds}s. Try again later.`);
  }
  if (error instanceof SocketClosedUnexpectedlyError || code === "ECONNRESET" || code === "EPIPE" || /ERR_SSL|EPROTO|wrong version number/i.test(code + text)) {
    const tlsHint = connection.tls.mode === "disable" ? ' If the server requires TLS, set TLS to "require" or "verify-full".' : "";
    return make("target:unreachable", `${at} closed the connection while Rotor tried to ${ACTION[phase]}.${tlsHint}`);
  }
  if (error instanceof ErrorReply) {
    const reply = error.message;
    if (/^WRONGPASS/.test(reply)) {
      return phase === "verify-login"
        ? make("auth:verify-failed", `${at} did not accept the password of ACL user "${context.login ?? "?"}" (or the user is disabled).`)
        : make("auth:managing-login-failed", `${at} rejected the managing user "${context.managing ?? context.login ?? "?"}": wrong password, or the user is disabled (off).`);
    }
    if (/^NOPERM/.test(reply)) {
      const command = /'([^']+)' command/.exec(reply)?.[1];
      return make(
        "auth:permission-denied",
        command
          ? `The managing user "${context.managing ?? "?"}" may not run ${command.toUpperCase().replace("|", " ")} on ${at}. Grant it: ACL SETUSER ${context.managing ?? "<user>"} +${command}`
          : `The managing user "${context.managing ?? "?"}" may not ${ACTION[phase]} on ${at} (${text}).`,
      );
    }
    if (/not configured to use an ACL file/i.test(reply)) {
      return make("target:rejected", `${at} does not load its users from an aclfile, so ACL SAVE cannot persist them. Turn "Run ACL SAVE" off (and persist users with CONFIG REWRITE yourself), or configure an aclfile.`);
    }
    if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN)/.test(reply)) {
      return make("target:unreachable", `${at} is not accepting commands right now (${text}). Try again later.`);
    }
    if (/^READONLY/.test(reply)) {
      return make("target:rejected", `${at} is a read-only replica: point Rotor at the primary.`);
    }
    return make("target:rejected", `${at} refused to ${ACTION[phase]}: ${text}`);
  }
  return make("internal:unexpected", `Unexpected error while trying to ${ACTION[phase]} on ${at}: ${text}`);
}
