/**
 * What Rotor asks its aws-lambda connector handler (inside the signed envelope of ./signing.ts), and what it
 * answers. The three database operations are exactly `DatabaseConnector`'s (lib/rotators/sql/connector.ts):
 * the handler runs them with `directConnector`, so a rotation through the connector runs the same code as a
 * direct one, only from inside the customer's network. Imported by the handler bundle: relative imports only.
 */
import { z } from "zod";
import type { RotatorErrorCode } from "../rotators/errors";
import {
  DATABASE_DIALECTS,
  type PingRequest,
  type PingResponse,
  type SetPasswordRequest,
  type SetPasswordResponse,
  type VerifyLoginRequest,
  type VerifyLoginResponse,
} from "../rotators/sql/connector";

/** Bumped only for incompatible changes; the handler refuses versions it does not know. */
export const PROTOCOL_VERSION = 1;

export type ConnectorOperation =
  | { op: "hello" }
  | { op: "ping"; request: PingRequest }
  | { op: "rotate"; request: SetPasswordRequest }
  | { op: "verify"; request: VerifyLoginRequest };

export interface HelloResult {
  handler: "rotor-connector";
  protocol: number;
  /** Node.js version of the Lambda runtime. */
  runtime: string;
  /** Whether the handler allows `tls.mode: "disable"` (ROTOR_CONNECTOR_ALLOW_PLAINTEXT). */
  allowPlaintext: boolean;
  replayWindowSeconds: number;
}

export interface OperationResults {
  hello: HelloResult;
  ping: PingResponse;
  rotate: SetPasswordResponse;
  verify: VerifyLoginResponse;
}

/** `outcomeUnknown`: the database connection broke after the change was sent (RotatorError.outcomeUnknown). */
export type ConnectorError = { code: RotatorErrorCode; message: string; retryable: boolean; outcomeUnknown?: boolean };

export type OperationAnswer<T> = { ok: true; result: T } | { ok: false; error: ConnectorError };

const tls = z.object({ mode: z.enum(["disable", "require", "verify-full"]), ca: z.string().optional() });
const connection = z.object({
  dialect: z.enum(DATABASE_DIALECTS),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().optional(),
  tls,
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
});
const login = z.object({ username: z.string().min(1), password: z.string().min(1) });
const user = z.object({ username: z.string().min(1), host: z.string().optional() });

/** The handler validates every operation before touching a database. */
export const connectorOperationSchema = z.discriminatedUnion("op", [
  z.object({ v: z.literal(PROTOCOL_VERSION), op: z.literal("hello") }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    op: z.literal("ping"),
    request: z.object({ connection, managing: login, users: z.array(user).max(10).optional() }),
  }),
  z.object({
    v: z.literal(PROTOCOL_VERSION),
    op: z.literal("rotate"),
    request: z.object({ connection, managing: login, user, newPassword: z.string().min(1) }),
  }),
  z.object({ v: z.literal(PROTOCOL_VERSION), op: z.literal("verify"), request: z.object({ connection, user, password: z.string().min(1) }) }),
]);

export function encodeOperation(operation: ConnectorOperation): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, ...operation });
}
