/**
 * The shapes of Rotor's REST API v1 that the CLI reads (the server's OpenAPI document at /api/v1/openapi.json,
 * built from lib/api/schemas.ts, is the authority). Only the fields the CLI uses are typed.
 */
import type { EscProblem } from "../lib/esc/problems";

export type Role = "admin" | "operator" | "viewer";
export type Scope = "read" | "rotate" | "admin";

export interface Token {
  id: string;
  name: string;
  kind: "service" | "personal";
  prefix: string;
  scope: Scope | null;
  role: Role | null;
  environments: string[] | "*";
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  owner: string | null;
}

export interface User {
  email: string;
  role: Role;
}

export interface CreatedToken {
  token: string;
  tokenInfo: Token;
  user?: User;
}

export interface WhoAmI {
  token: Token;
  user: User | null;
}

export interface List<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface EnvironmentSummary {
  name: string;
  description: string;
  revision: number;
  rotators: number;
  updatedAt: string;
}

export interface RotatorSummary {
  id: string;
  name: string;
  type: string;
  status: string;
  lastRotatedAt: string | null;
  nextRotationAt: string | null;
  current: { username?: string; accessKeyId?: string } | null;
}

export interface Rotator extends RotatorSummary {
  environment: string;
  inputs: Record<string, unknown>;
  secretInputs: string[];
  loginProvider: string | null;
  connector: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Environment {
  name: string;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  values: { key: string; secret: boolean; value?: string }[];
  exports: Record<string, string>;
  rotators: RotatorSummary[];
}

/** `GET …/open` (json): what applications read. */
export interface OpenedEnvironment {
  environment: string;
  revision: number;
  values: Record<string, string>;
  rotators: Record<
    string,
    {
      type: string;
      current: Record<string, string> | null;
      previous: Record<string, string> | null;
      rotatedAt: string | null;
      nextRotationAt: string | null;
      previousValidUntil: string | null;
    }
  >;
  exports: Record<string, string>;
}

export type RunStatus = "pending" | "running" | "succeeded" | "failed";

export interface RotateResponse {
  batchId: string;
  /** `skipped` (no run: already rotating, or rotated in the moment since the request was checked) comes with the reason. */
  runs: { id?: string; rotator: string; status: "running" | "skipped"; error?: { code: string; message: string } }[];
}

export interface RunStep {
  name: string;
  status: string;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Run {
  id: string;
  environment: string;
  rotator: string;
  type: string;
  status: RunStatus;
  trigger: string;
  actor: string | null;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  revisionBefore: number | null;
  revisionAfter: number | null;
  error: { code: string; message: string } | null;
  steps?: RunStep[];
}

/** One event of `GET …/watch` (`ready`, `revision`, `deleted`). */
export interface WatchEventData {
  environment: string;
  revision: number;
  reason?: string;
  rotators?: string[];
  at?: string;
}

/** POST /import/esc (lib/esc/import.ts EscImportPreview); a problem is lib/esc/problems.ts's EscProblem, which
 *  the CLI prints with the same formatProblem as the API and the page. */

export interface EscImportPreview {
  ok: boolean;
  created: boolean;
  environments: {
    name: string;
    file: string;
    values: { key: string; secret: boolean; copiedFrom: string | null }[];
    rotators: { name: string; type: string; state: { current: Record<string, string> | null; previous: Record<string, string> | null }; login: string | null; connector: string | null }[];
    exports: Record<string, string>;
  }[];
  logins: { name: string; kind: string }[];
  connectors: { name: string; mode: string; functionArn: string }[];
  problems: EscProblem[];
  notes: EscProblem[];
}

/** GET /environments/{name}/esc. */
export interface EscExport {
  yaml: string;
  omitted: string[];
}
