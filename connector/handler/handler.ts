/**
 * Rotor's aws-lambda connector: runs inside the customer's VPC as an AWS Lambda (Node.js 22, connector/runtime.json) and performs,
 * for PostgreSQL and MySQL/MariaDB, what Rotor cannot reach from outside: `ping` (log in as the managing user
 * and inspect the two users), `rotate` (set the new password) and `verify` (log in with it) — with the same
 * `directConnector` Rotor uses for direct connections (lib/rotators/sql), bundled by `npm run build:connector`.
 *
 * What it does differently from peers' connectors:
 * - Every request is authenticated by the handler itself, not only by IAM: a signature with a per-connector
 *   secret over timestamp, nonce and body, inside a replay window (lib/connectors/signing.ts). Unsigned,
 *   tampered, stale and replayed requests are refused before anything else happens.
 * - TLS to the database unless the Lambda's owner allows plaintext (ROTOR_CONNECTOR_ALLOW_PLAINTEXT=true): a
 *   request cannot downgrade it.
 * - It verifies the new password from inside the network (`verify`).
 * - Logs are one JSON object per line with the operation, target and outcome — never a password, never the
 *   request body. Answers are structured: `{ ok: true, result }` or `{ ok: false, error: { code, message,
 *   retryable } }` with the rotator library's redacted messages, signed for the request they answer.
 *
 * Configuration (Lambda environment):
 *   ROTOR_CONNECTOR_SECRET                 the secret Rotor showed once (comma-separated: several, while rotating it)
 *   ROTOR_CONNECTOR_REPLAY_WINDOW_SECONDS  default 300
 *   ROTOR_CONNECTOR_ALLOW_PLAINTEXT        "true" to allow tls.mode "disable" (trusted networks only)
 */
import { isRotatorError } from "../../lib/rotators/errors";
import { directConnector } from "../../lib/rotators/direct-connector";
import type { DatabaseConnection, DatabaseConnector } from "../../lib/rotators/sql/connector";
import { connectorOperationSchema, PROTOCOL_VERSION, type ConnectorError, type HelloResult, type OperationAnswer } from "../../lib/connectors/protocol";
import { createRequestVerifier, DEFAULT_REPLAY_WINDOW_SECONDS, signAnswer, type Refusal, type SignedAnswer } from "../../lib/connectors/signing";

export interface HandlerConfig {
  secrets: readonly string[];
  replayWindowSeconds?: number;
  allowPlaintext?: boolean;
  /** Default: directConnector. */
  connector?: DatabaseConnector;
  now?: () => number;
  /** One structured entry per request; default: a JSON line on stdout (CloudWatch). */
  log?: (entry: Record<string, unknown>) => void;
}

/** The parts of the Lambda context the handler uses. */
export interface LambdaContextLike {
  awsRequestId?: string;
}

export type ConnectorHandler = (event: unknown, context?: LambdaContextLike) => Promise<SignedAnswer | Refusal>;

export function configFromEnv(env: Record<string, string | undefined> = process.env): HandlerConfig {
  const window = Number(env.ROTOR_CONNECTOR_REPLAY_WINDOW_SECONDS);
  return {
    secrets: (env.ROTOR_CONNECTOR_SECRET ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    replayWindowSeconds: Number.isFinite(window) && window >= 10 && window <= 3600 ? window : DEFAULT_REPLAY_WINDOW_SECONDS,
    allowPlaintext: /^(1|true|yes)$/i.test(env.ROTOR_CONNECTOR_ALLOW_PLAINTEXT ?? ""),
  };
}

const defaultLog = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

function where(connection: DatabaseConnection) {
  return { dialect: connection.dialect, host: connection.host, port: connection.port, tls: connection.tls.mode };
}

export function createHandler(config: HandlerConfig): ConnectorHandler {
  const verifier = createRequestVerifier({ secrets: config.secrets, replayWindowSeconds: config.replayWindowSeconds, now: config.now });
  const connector = config.connector ?? directConnector;
  const log = config.log ?? defaultLog;
  const replayWindowSeconds = config.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS;

  return async (event, context) => {
    const started = Date.now();
    const requestId = context?.awsRequestId;
    const checked = verifier.verify(event);
    if (!checked.ok) {
      log({ level: "warn", msg: "request refused", requestId, reason: checked.refusal.code });
      return { v: 1, refused: checked.refusal };
    }
    const answer = <T>(body: OperationAnswer<T>, fields: Record<string, unknown>) => {
      log({ level: body.ok ? "info" : "warn", msg: body.ok ? "done" : "failed", requestId, ...fields, ...(body.ok ? {} : { code: body.error.code }), ms: Date.now() - started });
      return signAnswer(checked.secret, checked.nonce, JSON.stringify(body));
    };

    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(checked.body);
    } catch {
      parsedBody = undefined;
    }
    const parsed = connectorOperationSchema.safeParse(parsedBody);
    if (!parsed.success) {
      const version = (parsedBody as { v?: unknown } | undefined)?.v;
      const message =
        version !== undefined && version !== PROTOCOL_VERSION
          ? `This connector speaks protocol ${PROTOCOL_VERSION}, the request uses ${String(version)}: deploy the connector built by this Rotor version.`
          : `Invalid request: ${parsed.error.issues[0]?.path.join(".") || "body"} ${parsed.error.issues[0]?.message ?? ""}`.trim();
      return answer({ ok: false, error: { code: "input:invalid", message, retryable: false } }, { op: "invalid" });
    }
    const operation = parsed.data;

    if (operation.op === "hello") {
      const result: HelloResult = {
        handler: "rotor-connector",
        protocol: PROTOCOL_VERSION,
        runtime: process.version,
        allowPlaintext: Boolean(config.allowPlaintext),
        replayWindowSeconds,
      };
      return answer({ ok: true, result }, { op: "hello" });
    }

    const { connection } = operation.request;
    const fields = { op: operation.op, ...where(connection), ...("user" in operation.request ? { user: operation.request.user.username } : {}) };
    if (connection.tls.mode === "disable" && !config.allowPlaintext) {
      return answer(
        {
          ok: false,
          error: {
            code: "input:invalid",
            message:
              `This connector refuses plaintext connections to ${connection.host}:${connection.port} (TLS mode "disable"). ` +
              'Use TLS ("require" or "verify-full"), or set ROTOR_CONNECTOR_ALLOW_PLAINTEXT=true on the Lambda if the network is trusted.',
            retryable: false,
          },
        },
        fields,
      );
    }
    try {
      switch (operation.op) {
        case "ping":
          return answer({ ok: true, result: await connector.ping(operation.request) }, fields);
        case "rotate":
          return answer({ ok: true, result: await connector.setPassword(operation.request) }, fields);
        case "verify": {
          const result = await connector.verifyLogin(operation.request);
          return answer({ ok: true, result }, { ...fields, loginAccepted: result.ok });
        }
      }
    } catch (error) {
      return answer({ ok: false, error: toConnectorError(error, requestId) }, fields);
    }
  };
}

/** RotatorErrors carry redacted messages already; anything else is summarised without its text. */
function toConnectorError(error: unknown, requestId: string | undefined): ConnectorError {
  if (isRotatorError(error)) {
    return { code: error.code, message: error.message, retryable: error.retryable, ...(error.outcomeUnknown ? { outcomeUnknown: true } : {}) };
  }
  return {
    code: "internal:unexpected",
    message: `The connector failed unexpectedly (${error instanceof Error ? error.name : "error"}); see its CloudWatch log${requestId ? ` for request ${requestId}` : ""}.`,
    retryable: false,
  };
}
