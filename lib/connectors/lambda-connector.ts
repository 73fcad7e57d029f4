/**
 * `DatabaseConnector` over Rotor's aws-lambda connector handler: every request signed with the connector's
 * secret (./signing.ts), every answer checked to be signed for that very request, the handler's structured
 * errors turned back into the rotator library's RotatorErrors. So a rotation through a connector runs the
 * same rotator code with the same crash-safety as a direct one; only the SQL runs inside the VPC.
 */
import { RotatorError, type RotatorErrorCode } from "../rotators/errors";
import type { DatabaseConnector } from "../rotators/sql/connector";
import { invokeLambda, type LambdaTarget } from "./lambda";
import { encodeOperation, type ConnectorOperation, type HelloResult, type OperationAnswer, type OperationResults } from "./protocol";
import { openAnswer, signRequest, type RefusalCode } from "./signing";

export interface ConnectorProbe {
  /** What the Connectors page shows after "Test". */
  details: string[];
}

/** A database connector that can also be tested on its own (the Connectors page's "Test"). */
export interface LambdaDatabaseConnector extends DatabaseConnector {
  probe(): Promise<ConnectorProbe>;
}

export interface RotorConnectorOptions extends LambdaTarget {
  secret: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const KNOWN_CODES = new Set<RotatorErrorCode>([
  "input:invalid",
  "target:unreachable",
  "target:timeout",
  "auth:managing-login-failed",
  "auth:permission-denied",
  "auth:verify-failed",
  "target:user-not-found",
  "target:limit-exceeded",
  "target:unknown-credential",
  "target:rejected",
  "connector:failed",
  "internal:unexpected",
]);

const REFUSAL_HINTS: Record<RefusalCode, string> = {
  "bad-signature": "The secret stored in Rotor does not match ROTOR_CONNECTOR_SECRET on the Lambda: set the secret shown when the connector was created (or regenerate it and update the Lambda).",
  stale: "The clocks of Rotor and AWS differ by more than the replay window: check the Rotor server's clock.",
  replayed: "The connector saw this request before.",
  "not-configured": "Set ROTOR_CONNECTOR_SECRET on the Lambda to the connector's secret.",
  malformed: "Is the function Rotor's connector (npm run build:connector), and is the connector's mode right?",
};

/** Throttling and network trouble are retried (with a freshly signed request); nothing else is. */
const RETRY_DELAYS_MS = [400, 1500];

export function createRotorLambdaConnector(options: RotorConnectorOptions): LambdaDatabaseConnector {
  const fn = options.functionName;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** Failures before the handler ran (AWS throttling, network): safe to retry with a new signature. */
  const transportFailures = new WeakSet<object>();

  async function once<K extends keyof OperationResults>(operation: ConnectorOperation & { op: K }): Promise<OperationResults[K]> {
    const request = signRequest(options.secret, encodeOperation(operation), options.now?.() ?? Date.now());
    let raw: unknown;
    try {
      raw = await invokeLambda(options, request);
    } catch (error) {
      if (error instanceof RotatorError && error.code === "target:unreachable") transportFailures.add(error);
      throw error;
    }
    const opened = openAnswer(options.secret, request.nonce, raw);
    if (!opened.ok) {
      if (opened.refusal) {
        const hint = REFUSAL_HINTS[opened.refusal.code] ?? "";
        throw new RotatorError("connector:failed", `The connector ${fn} refused the request: ${opened.refusal.message} ${hint}`.trim(), {
          retryable: opened.refusal.code === "stale",
        });
      }
      throw new RotatorError(
        "connector:failed",
        `The function ${fn} did not answer with a valid signature: is it Rotor's connector, deployed with this connector's secret? ` +
          "(An ESC connector needs the connector mode \"Pulumi ESC-compatible\".)",
      );
    }
    let answer: OperationAnswer<OperationResults[K]>;
    try {
      answer = JSON.parse(opened.body) as OperationAnswer<OperationResults[K]>;
    } catch {
      throw new RotatorError("connector:failed", `The connector ${fn} sent an unreadable answer.`);
    }
    if (answer.ok) return answer.result;
    const code = KNOWN_CODES.has(answer.error?.code) ? answer.error.code : "connector:failed";
    throw new RotatorError(code, String(answer.error?.message ?? "The connector reported an error."), {
      retryable: Boolean(answer.error?.retryable),
      outcomeUnknown: answer.error?.outcomeUnknown === true,
    });
  }

  async function call<K extends keyof OperationResults>(operation: ConnectorOperation & { op: K }): Promise<OperationResults[K]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once<K>(operation);
      } catch (error) {
        // Only failures that happened before the handler ran (AWS throttling, network) are retried here;
        // the handler's own retryable errors (database unreachable) go back to the engine, which owns retries.
        if (!(error instanceof RotatorError && transportFailures.has(error)) || attempt >= RETRY_DELAYS_MS.length) throw error;
        await sleep(RETRY_DELAYS_MS[attempt]!);
      }
    }
  }

  return {
    ping: (request) => call({ op: "ping", request }),
    setPassword: (request) => call({ op: "rotate", request }),
    verifyLogin: (request) => call({ op: "verify", request }),
    async probe() {
      const hello: HelloResult = await call({ op: "hello" });
      return {
        details: [
          `Invoked ${fn}: Rotor's connector answered (protocol ${hello.protocol}, Node.js ${hello.runtime}) with a valid signature, so it holds this connector's secret.`,
          `Replay window: ${hello.replayWindowSeconds} s.`,
          hello.allowPlaintext
            ? "Warning: the Lambda allows plaintext database connections (ROTOR_CONNECTOR_ALLOW_PLAINTEXT)."
            : "The Lambda refuses plaintext database connections (TLS required).",
        ],
      };
    },
  };
}
