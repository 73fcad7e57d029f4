/** Shapes shared by the fake's router and its per-service action handlers (awsQuery protocol). */
import { validationError } from "./errors";
import type { FakeAwsStore, FakePrincipal } from "./store";

export interface QueryActionContext {
  /** Form parameters of the request body (Action and Version included). */
  params: Record<string, string>;
  /** The principal that signed the request; `null` only for actions registered as `unsigned`. */
  caller: FakePrincipal | null;
  store: FakeAwsStore;
  requestId: string;
  /** Throws AccessDenied unless the caller's policy allows `action` (e.g. "iam:CreateAccessKey"). */
  authorize(action: string, resource: string): void;
}

/**
 * Returns the inner XML of `<ActionResult>`, or `null` for actions whose response has no result element.
 * May be async (e.g. AssumeRoleWithWebIdentity fetches the issuer's JWKS over HTTP).
 */
export type QueryActionHandler = (ctx: QueryActionContext) => string | null | Promise<string | null>;

export interface QueryActionOptions {
  /** Accept requests without a signature (STS AssumeRoleWithWebIdentity is called unsigned). */
  unsigned?: boolean;
}

export interface QueryService {
  /** SigV4 service name in the credential scope, e.g. "iam", "sts". */
  signingName: string;
  /** The API version the SDK sends in `Version=`; used to route requests sharing one endpoint URL. */
  version: string;
  xmlns: string;
  actions: Map<string, { handler: QueryActionHandler; options: QueryActionOptions }>;
}

export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === "") {
    throw validationError(`1 validation error detected: Value null at '${name[0].toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** Reads an awsQuery list: `Prefix.member.1.Field=…` (with fields) or `Prefix.member.1=…` (scalars). */
export function memberList(params: Record<string, string>, prefix: string): string[];
export function memberList<F extends string>(
  params: Record<string, string>,
  prefix: string,
  fields: readonly F[],
): Record<F, string | undefined>[];
export function memberList(params: Record<string, string>, prefix: string, fields?: readonly string[]) {
  const out: unknown[] = [];
  for (let i = 1; ; i++) {
    const base = `${prefix}.member.${i}`;
    if (!fields) {
      if (!(base in params)) break;
      out.push(params[base]);
    } else {
      if (!fields.some((f) => `${base}.${f}` in params)) break;
      out.push(Object.fromEntries(fields.map((f) => [f, params[`${base}.${f}`]])));
    }
  }
  return out;
}
