/**
 * Who exists in an e2e run: the first admin (created by the first-run setup spec) and the accounts of the
 * test identity provider. Specs create every other user they need themselves, with unique emails.
 */

/** The local admin that `first-run.setup.ts` creates through /setup; its signed-in state is saved for other specs. */
export const FIRST_ADMIN = {
  email: "admin@rotor.test",
  name: "First Admin",
  password: "correct horse battery staple",
} as const;

export interface OidcAccount {
  /** What the tester types into the identity provider's login form (also the OIDC `sub`). */
  login: string;
  email: string;
  name: string;
  groups: string[];
}

/** Accounts of the test identity provider (e2e/support/oidc-provider.ts). Rotor maps `groups` to roles. */
export const OIDC_ACCOUNTS = {
  /** In `rotor-admins`: mapped to admin by ROTOR_OIDC_ROLE_MAP. */
  alice: { login: "alice", email: "alice@idp.test", name: "Alice Admin", groups: ["staff", "rotor-admins"] },
  /** In `rotor-operators`: mapped to operator. */
  carol: { login: "carol", email: "carol@idp.test", name: "Carol Operator", groups: ["rotor-operators"] },
  /** In no mapped group: gets ROTOR_OIDC_DEFAULT_ROLE (viewer). */
  bob: { login: "bob", email: "bob@idp.test", name: "Bob Staff", groups: ["staff"] },
  /** Claims the first admin's email: Rotor must refuse to let an SSO identity take over a local account. */
  mallory: { login: "mallory", email: FIRST_ADMIN.email, name: "Mallory", groups: ["rotor-admins"] },
} satisfies Record<string, OidcAccount>;

/** ROTOR_OIDC_* settings the e2e server runs with (the issuer and client come from the running provider). */
export const OIDC_ROLE_SETTINGS = {
  ROTOR_OIDC_ROLE_CLAIM: "groups",
  ROTOR_OIDC_ROLE_MAP: "rotor-admins=admin,rotor-operators=operator",
  ROTOR_OIDC_DEFAULT_ROLE: "viewer",
} as const;

let counter = 0;

/** A fresh, unique email for a user a spec creates (runs share one server and one database). */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@rotor.test`;
}
