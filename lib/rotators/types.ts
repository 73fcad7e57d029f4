/**
 * The rotator contract: what the rotation engine (lib/rotation/engine.ts) asks of every rotator type.
 *
 * Rules every implementation keeps:
 * - Pure library: no import of `next/*` or `lib/db`. The engine persists; rotators talk to targets only.
 *   (This folder is also bundled into the aws-lambda connector handler.)
 * - One request object in, one response object out, so fields can be added without breaking callers.
 * - Every method that touches a target is idempotent: calling it again after a crash or a retry with the
 *   same request must converge to the same end state, never invalidate `state.current`, and never delete
 *   a credential the rotator did not issue or was not given.
 * - Errors are thrown as `RotatorError` (./errors.ts) with a stable code and an actionable message that
 *   contains no secret value (passwords, secret keys, connection strings with passwords).
 */
import type { z } from "zod";

/**
 * Every rotator type: the one list. The registries (./registry.ts, client-safe ./meta.ts) are Records over it,
 * and so is every other per-type map, so a new type fails the build until it has an entry everywhere; the
 * database column (lib/db/schema.ts) takes its values from here too.
 */
export const ROTATOR_TYPES = ["postgres", "mysql", "aws-iam", "password", "passphrase", "redis", "external"] as const;
export type RotatorType = (typeof ROTATOR_TYPES)[number];

/** A credential as consumers read it. Every value is a string; which keys are secret is listed by the rotator. */
export type Credential = Record<string, string>;

/** Rotated state as stored (encrypted) by the engine. `previous` stays valid until the next rotation. */
export interface RotatorState {
  current: Credential | null;
  previous: Credential | null;
}

/**
 * The write-ahead record of one rotation. The engine persists it (encrypted) BEFORE `apply` touches the
 * target, and again every time the rotator calls `checkpoint`, so an interrupted run can be resumed from
 * exactly what the target may already have seen. Rotator-specific fields live in `data`.
 */
export interface Pending {
  /** The credential that will become `current` once verified (may be incomplete until `apply` fills it in,
   *  e.g. an IAM key id is only known after CreateAccessKey). */
  credential: Credential | null;
  /** Opaque rotator bookkeeping (e.g. which user slot is being rotated, key ids seen before creating one). */
  data: Record<string, unknown>;
  /** Written by the engine, not by rotators: the rotator reported (`context.previousRetired`, or apply's
   *  `retiredPrevious`) that `state.previous` no longer works at the target. Kept here so that a resumed run
   *  still knows it. */
  previousRetired?: boolean;
}

/** How a rotator reaches AWS. Resolved by the engine from a login provider; never stored by rotators. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Logging hook: messages must never contain secret values. */
export type RotatorLogger = (message: string, fields?: Record<string, unknown>) => void;

/** What a token from Rotor's issuer is for (see RotatorContext.issuerToken). */
export interface IssuerTokenRequest {
  /** The `aud` claim: the exact URL the token is sent to. */
  audience: string;
  /** The `body_hash` claim: `sha256-<base64>` of the exact request body (Subresource Integrity form). */
  bodyHash: string;
  /** The `rotor_request_id` claim: the same for every attempt of one rotation, so the receiver can be idempotent. */
  requestId: string;
}

export interface RotatorContext {
  /** Persist an updated pending record before continuing (write-ahead). Must be awaited. */
  checkpoint(pending: Pending): Promise<void>;
  /** Credentials for AWS, when the rotator's inputs name a login (aws-iam). */
  awsCredentials?: () => Promise<AwsCredentials>;
  /** How to reach a database: direct by default, or an aws-lambda connector (lib/connectors) chosen by the engine. */
  databaseConnector?: import("./sql/connector").DatabaseConnector;
  /** A short-lived token signed by Rotor's OIDC issuer (lib/aws-logins), for rotators bound to it (`external`):
   *  the engine fills in iss, sub, iat, exp and a fresh jti; the rotator names the audience and what the token
   *  is bound to. Never logged or stored. */
  issuerToken?: (request: IssuerTokenRequest) => Promise<{ token: string; issuer: string }>;
  /** Injected clock/sleep so tests can run backoff loops quickly. */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  log?: RotatorLogger;
  signal?: AbortSignal;
  /** Stable id of the rotator being rotated (the engine's rotator row id). Lets a rotator recognise marks it
   *  left at the target: aws-iam tags the keys it issues with it, so that it only ever cleans up its OWN
   *  abandoned keys, never another rotator's on the same IAM user. Optional: without it, such cleanup is off. */
  rotatorId?: string;
  /**
   * Call (and await) as soon as the target no longer accepts `state.previous`: the IAM key was deleted, the
   * spare user's password was replaced. A rotation that then fails must not leave a state that still offers
   * the dead credential, so the engine drops `previous` from the state of a run that fails after this call
   * (a run that commits replaces it anyway). Absent outside rotations (test connection, import).
   */
  previousRetired?(): Promise<void>;
  /** Lives as long as one rotation run; absent outside runs (test connection, import, roll back). */
  runScope?: RunScope;
}

/**
 * What a rotator may keep across the steps of one run (the SQL rotators keep their managing session, so the
 * lockout guard's in-use check and apply share one connection). The engine closes everything kept when the run
 * ends, whatever happens (lib/rotation/run-scope.ts); a kept value must still not hold on to anything at the
 * target for long by itself, since a run may wait between steps.
 */
export interface RunScope {
  /** The value kept under `key` in this run: made by `open` on the first call, closed once when the run ends. */
  keep<T>(key: symbol, open: () => T, close: (value: T) => Promise<void>): T;
}

/** Waits `ms`: with the context's `sleep` where one is injected (tests, backoff loops), else with a timer. */
export function sleepFor(ms: number, context: Pick<RotatorContext, "sleep">): Promise<void> {
  return context.sleep ? context.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TestConnectionRequest<I> { inputs: I; context: RotatorContext }
export interface TestConnectionResponse { ok: true; details: string[] }

/**
 * Preflight ("Check rotation"): one line of the checklist. `id` is stable per type and check (e.g. "reach",
 * "managing-login", "user:app1", "privilege:app1", "iam:CreateAccessKey", "password-rules"), so pages and tests
 * find a line without matching prose.
 */
export type CheckStatus = "ok" | "failed" | "warning" | "skipped";
export interface CheckLine {
  id: string;
  /** What was checked, as people say it: "Reach db.internal:5432 (TLS require)". */
  check: string;
  status: CheckStatus;
  /** What was found (never a secret). */
  detail: string;
  /** What to change so the check passes: set on every failed line, and on warnings where something helps. */
  fix?: string;
  /** A failed line: the error a rotation would meet, and whether trying again later may help. */
  code?: import("./errors").RotatorErrorCode;
  retryable?: boolean;
}

export interface PreflightRequest<I> { inputs: I; state: RotatorState; context: RotatorContext }
export interface PreflightResponse { checks: CheckLine[] }

export interface VerifyCredentialRequest<I> { inputs: I; credential: Credential; context: RotatorContext }
export interface VerifyCredentialResponse {
  ok: true;
  /** Set when nothing could be proven (e.g. a Pulumi ESC-compatible connector cannot log in): why. The engine
   *  records the verify step as "skipped" with this reason instead of "The new credential works." */
  skipped?: string;
}

/**
 * The lockout guard's question (lib/rotation/lockout-guard.ts): is the credential this rotation is about to
 * retire (today's `previous`) still in use at the target? Asked before anything changes.
 */
export interface CheckInUseRequest<I> {
  inputs: I;
  /** The credential that will be overwritten or deleted (state.previous). */
  credential: Credential;
  /** When it stopped being current (the revision that introduced today's current); null when unknown. */
  retiredAt: Date | null;
  context: RotatorContext;
}

/**
 * - `in-use`: the target shows it is used (sessions open as that user, the key used after it was retired);
 * - `unused`: the target was asked and shows no use;
 * - `unknown`: the target cannot tell (the managing user may not see other users' sessions, a connector that
 *   cannot ask). Never a reason to hold a rotation; the summary says what to grant.
 */
export type InUseVerdict = "in-use" | "unused" | "unknown";

export interface CheckInUseResponse {
  verdict: InUseVerdict;
  /** One sentence for the run's step, the webhook and the rotator page; never a secret value. */
  summary: string;
  /** Who still uses it, as people recognise them ("2 sessions from 10.0.0.5"); empty unless in use. */
  holders: string[];
}

export interface PrepareRequest<I> { inputs: I; state: RotatorState; context: RotatorContext }
export interface PrepareResponse {
  pending: Pending;
  /** Findings that do not stop this rotation but matter soon (e.g. the next one will be refused); the engine
   *  records them on the run's plan step. */
  warnings?: string[];
}

export interface ApplyRequest<I> {
  inputs: I;
  state: RotatorState;
  pending: Pending;
  context: RotatorContext;
  /** The pending credential was recorded by an earlier attempt that was interrupted, so it may already have
   *  reached the target: apply checks for that first. A fresh pending one cannot have (it was generated by
   *  this run), and checking it anyway costs a refused login at the target, on every rotation. */
  resumed?: boolean;
}
export interface ApplyResponse {
  pending: Pending & { credential: Credential };
  /** What the run's apply step should say besides the target credential (e.g. that a lost answer was
   *  resolved by checking the pending credential). No secret values. */
  notes?: string[];
  /** apply's last act made `state.previous` stop working at the target (the spare user's password was
   *  replaced). The same report as `context.previousRetired`, for a rotator that retires the previous only as
   *  apply ends: the engine records it with verify's start, one store write fewer than a call would cost. */
  retiredPrevious?: boolean;
}

export interface CommitResult { state: RotatorState }

/**
 * How a rotator reaches its target, besides its inputs; the engine resolves it from the rotator's row.
 * - `aws-login`: an AWS login provider (lib/aws-logins) gives `context.awsCredentials`. Without one, the static
 *   keys under `inlineLoginPath` in the inputs are used; a login provider replaces them.
 * - `connector`: a connector (lib/connectors) gives `context.databaseConnector`; without one, it connects directly.
 * - `issuer`: an HTTPS service trusts tokens signed by Rotor's own OIDC issuer: the engine gives
 *   `context.issuerToken`.
 * - `none`: nothing to reach.
 */
export type RotatorBinding = { kind: "aws-login"; inlineLoginPath: string } | { kind: "connector" } | { kind: "issuer" } | { kind: "none" };

/** One field of the rotator form, as a dotted path into the inputs (or into the imported credential). */
export interface FieldSpec {
  path: string;
  label: string;
  kind: "text" | "number" | "password" | "select" | "textarea" | "checkbox";
  options?: string[];
  placeholder?: string;
  hint?: string;
  /** Only shown (and sent) when another field has one of these values. */
  showIf?: { path: string; values: string[] };
  defaultValue?: string | boolean;
}

/**
 * One way to copy a credential besides its secret values alone: username and password together, a connection
 * string, environment lines. Client-safe and pure: the rotator page formats what the user revealed.
 */
export interface CredentialFormat {
  /** What the user picks: "Connection string". */
  label: string;
  /** The text to copy, from the credential and the rotator's stored (non-secret) inputs. */
  format(args: { credential: Credential; inputs: Record<string, unknown> }): string;
}

/**
 * What is known about a rotator type without running it: client-safe (no drivers, no node:crypto), so the form
 * in the browser validates with exactly what the server applies. Each type's `meta.ts`; registry in ../meta.ts.
 */
export interface RotatorMeta<I = unknown> {
  type: RotatorType;
  /** What the user chooses when adding a rotator. */
  label: string;
  /** Validates user inputs; shared by the server action and the client form. */
  inputsSchema: z.ZodType<I>;
  /** Dotted paths in inputs whose values are secret (stored encrypted, masked in the UI and in audit). */
  secretInputPaths: readonly string[];
  /** Keys of a Credential that are secret (masked unless revealed); the other keys name the credential. */
  secretCredentialKeys: readonly string[];
  /** Set when the credential's keys are not known in advance (`external`: whatever the adapter answers): then
   *  EVERY key is secret, as in Pulumi ESC, and `secretCredentialKeys` is empty. Read through
   *  `secretKeysOf` (./meta.ts), never directly. */
  everyCredentialKeySecret?: boolean;
  /** Schema of a credential (used to validate imported state). */
  credentialSchema: z.ZodType<Credential>;
  binding: RotatorBinding;
  /** The form: the inputs, and the credential in use now (imported as `current` when the rotator is created). */
  fields: readonly FieldSpec[];
  importFields: readonly FieldSpec[];
  /** Ways to copy a credential besides its secret values (which every type offers); absent = none. */
  credentialFormats?: readonly CredentialFormat[];
  /** What Roll back does for this type, for its confirmation; absent: previous and current swap. Read through
   *  `rollbackEffectOf` (./meta.ts). */
  rollbackEffect?: string;
}

export interface RotatorDefinition<I> extends RotatorMeta<I> {
  /** Check the managing credentials and the target before saving. Changes nothing. */
  testConnection(req: TestConnectionRequest<I>): Promise<TestConnectionResponse>;
  /**
   * Optional: prove everything a rotation needs — reachability and TLS, the managing login, that the rotated
   * user(s) exist, the privileges to change them, that the password rules fit the target — WITHOUT changing
   * anything, and report it as a checklist instead of stopping at the first problem. Problems are lines, not
   * throws: it throws only when something unexpected breaks the check itself. Without it, ./preflight.ts
   * derives a checklist from `testConnection`.
   */
  preflight?(req: PreflightRequest<I>): Promise<PreflightResponse>;
  /** Prove that a credential works against the target (log in / GetCallerIdentity). Changes nothing. */
  verifyCredential(req: VerifyCredentialRequest<I>): Promise<VerifyCredentialResponse>;
  /** Decide what this rotation will do and generate what can be generated locally. No target change.
   *  A fresh password is generated on every call: a refused password is never reused. */
  prepare(req: PrepareRequest<I>): Promise<PrepareResponse>;
  /** Make the target accept the pending credential. Idempotent: on a resumed run (`resumed`) first checks
   *  whether the pending credential already works; calls `context.checkpoint` before any step whose result
   *  would be lost in a crash. */
  apply(req: ApplyRequest<I>): Promise<ApplyResponse>;
  /** Prove the pending credential works (with backoff where the target is eventually consistent). */
  verify(req: VerifyCredentialRequest<I>): Promise<VerifyCredentialResponse>;
  /** Optional: give up a pending rotation that will not be resumed (its run failed and the next attempt starts
   *  fresh). Remove anything `apply` created at the target that is neither `state.current` nor `state.previous`
   *  (an IAM key whose run failed). Never touches current or previous. Absent = nothing to clean up. */
  abandon?(req: ApplyRequest<I>): Promise<void>;
  /** Optional: whether the credential a rotation would retire is still in use at the target (see
   *  CheckInUseRequest). Changes nothing. A missing permission is answered as `unknown`, not thrown. Absent =
   *  nothing to check (a generated password has no target to ask). */
  checkInUse?(req: CheckInUseRequest<I>): Promise<CheckInUseResponse>;
  /**
   * Optional grace (aws-iam): whether these inputs ask that the credential which becomes previous be put out of
   * use at rotation, and `deactivatePrevious` does it once the new state is committed (the key is deactivated,
   * not deleted, so a rollback can still rescue a consumer that breaks; the next rotation removes it). Never
   * touches current. A failure is recorded on the run's step but does not undo the committed rotation.
   */
  usesGrace?(inputs: I): boolean;
  deactivatePrevious?(req: { inputs: I; state: RotatorState; context: RotatorContext }): Promise<void>;
  /**
   * Optional: before a rollback makes `state.previous` current again, undo what this rotator did to it (aws-iam:
   * reactivate a key that grace deactivated). Throws a RotatorError saying why when it cannot be used again (the
   * key was deleted). Absent: nothing to undo. The engine then verifies the previous credential.
   */
  rollback?(req: { inputs: I; state: RotatorState; context: RotatorContext }): Promise<void>;
  /** The state after a verified rotation: pending becomes current, the old current becomes previous. Pure. */
  commit(req: { state: RotatorState; pending: Pending & { credential: Credential } }): CommitResult;
}
