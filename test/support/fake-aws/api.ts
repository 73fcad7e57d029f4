/** The public shapes of the fake AWS endpoint (see index.ts for what it is faithful to). */
import type { QueryActionHandler, QueryActionOptions, QueryService } from "./protocol";
import type { SignedRequest } from "./sigv4";
import type { FakeAwsStore, FakePolicy, FakePrincipal, KeyStatus } from "./store";

export interface StartFakeAwsOptions {
  /** Default "123456789012". */
  accountId?: string;
  /** Clock (ms since epoch) for CreateDate and propagation. Share a virtual clock with the code under test to
   *  make waits instant. Signature timestamps are always checked against the real clock. */
  now?: () => number;
  /** How long keys created through CreateAccessKey are refused (InvalidClientTokenId). Default 0. */
  propagationDelayMs?: number;
  /** Name of the all-powerful IAM user whose key pair is `adminCredentials`. Default "rotor-admin". */
  adminUserName?: string;
  /** Called for every request the fake answers (or drops), in order. */
  onCall?: (call: FakeAwsCall) => void;
}

export interface FakeAwsCall {
  seq: number;
  service: string;
  action: string;
  /** The access key id that signed the request, if any. */
  accessKeyId?: string;
  /** HTTP status sent; 0 when the connection was dropped. */
  status: number;
  errorCode?: string;
  fault?: FakeAwsFault["kind"];
}

export type FakeAwsFault = { action: string; service?: string; times?: number } & (
  /** Answer with this error instead of performing the action. */
  | { kind: "error"; code: string; message?: string; status?: number }
  /** Close the connection without performing the action (a network failure). */
  | { kind: "drop-before" }
  /** Perform the action, then close the connection: the client never sees the result (e.g. a new secret). */
  | { kind: "drop-after" }
);

export interface AwsKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SessionCredentials extends AwsKeyPair {
  sessionToken: string;
  expiration: Date;
}

export interface FakeUserInfo {
  userName: string;
  userId: string;
  arn: string;
  path: string;
}

export interface FakeKeyInfo {
  accessKeyId: string;
  userName: string;
  status: KeyStatus;
  createDate: Date;
  /** False while the key is still inside its propagation delay. */
  usable: boolean;
}

export interface FakeAwsAdmin {
  /** Create an IAM user. `policy` lists allowed actions ("iam:GetUser", "iam:*", or "*"); default none. */
  createUser(userName: string, options?: { path?: string; policy?: FakePolicy; deny?: readonly string[]; tags?: Record<string, string> }): FakeUserInfo;
  setPolicy(userName: string, policy: FakePolicy): void;
  /** Actions an explicit Deny statement refuses the user, whatever its policy allows (SimulatePrincipalPolicy says explicitDeny). */
  setDeny(userName: string, actions: readonly string[]): void;
  /** Seed a key directly (not through the API, so it may be one Rotor does not know). Immediately usable
   *  unless `propagated: false`. Enforces the 2-keys quota like the API. */
  seedAccessKey(
    userName: string,
    options?: { accessKeyId?: string; secretAccessKey?: string; status?: KeyStatus; createDate?: Date; propagated?: boolean },
  ): AwsKeyPair & { createDate: Date };
  listAccessKeys(userName: string): FakeKeyInfo[];
  getAccessKey(accessKeyId: string): FakeKeyInfo | undefined;
  /** The secret of a key, e.g. to sign with a key created through the API. */
  secretOf(accessKeyId: string): string | undefined;
  deleteAccessKey(accessKeyId: string): void;
  setKeyStatus(accessKeyId: string, status: KeyStatus): void;
  userTags(userName: string): Record<string, string>;
  setPropagationDelay(ms: number): void;
  /** Queue a fault; it applies to the next `times` (default 1) matching calls. */
  injectFault(fault: FakeAwsFault): void;
  clearFaults(): void;
  /** Every call answered so far, in order. */
  calls(): readonly FakeAwsCall[];
  clearCalls(): void;
  /** Temporary credentials (ASIA… + session token) acting as `principal`, or as an existing user. */
  issueSessionCredentials(as: string | FakePrincipal, durationSeconds?: number): SessionCredentials;
  /** Direct access for extensions (e.g. STS AssumeRoleWithWebIdentity). */
  readonly store: FakeAwsStore;
}

/** For protocols other than awsQuery (e.g. Lambda Invoke, restJson): a raw route. */
export interface FakeAwsRoute {
  method: string;
  path: RegExp;
  /** SigV4 service name expected in the credential scope; omit for unsigned routes. */
  signingName?: string;
  handler(ctx: {
    request: SignedRequest;
    match: RegExpExecArray;
    caller: FakePrincipal | null;
    store: FakeAwsStore;
    requestId: string;
  }): { status: number; headers?: Record<string, string>; body: string | Buffer } | Promise<{ status: number; headers?: Record<string, string>; body: string | Buffer }>;
}

export interface FakeAws {
  /** Base URL, e.g. http://127.0.0.1:41234 — both IAM and STS are served here. */
  url: string;
  accountId: string;
  /** Key pair of an IAM user allowed everything: use it as the managing login. */
  adminCredentials: AwsKeyPair;
  adminUser: FakeUserInfo;
  admin: FakeAwsAdmin;
  /** Add or replace an awsQuery action of a service ("iam", "sts", or one added with registerQueryService). */
  registerQueryAction(signingName: string, action: string, handler: QueryActionHandler, options?: QueryActionOptions): void;
  registerQueryService(service: QueryService): void;
  registerRoute(route: FakeAwsRoute): void;
  /**
   * Point AWS_ENDPOINT_URL_<SERVICE> (default IAM and STS; add e.g. "LAMBDA" once a route serves it) at this
   * fake for SDK clients created afterwards in this process; returns a function restoring the old values.
   */
  useAsDefaultEndpoint(services?: readonly string[]): () => void;
  stop(): Promise<void>;
}
