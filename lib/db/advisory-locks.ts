/**
 * Every PostgreSQL advisory lock Rotor takes, named, in one place. An advisory lock serialises one kind of
 * work across every process sharing the store, by a number both sides agree on.
 *
 * The keys must differ: PostgreSQL has one space of advisory lock keys per database (session and
 * transaction-level locks on the same number wait for each other), so two unrelated jobs sharing a key
 * queue behind one another — creating the first admin would wait for a change of the issuer's signing keys,
 * and a slow one for the other. advisory-locks.test.ts checks that they differ; add a new lock here with
 * the next unused number.
 *
 * A key must also never change for work that keeps happening: during a rolling upgrade the old and the new
 * processes must take the same key for the same work, or they stop serialising it.
 */
export const ADVISORY_LOCKS = {
  /** Migrating the store at start: several instances may start together; one migrates, the others wait. */
  migrations: 7260461,
  /** Appending to the audit chain: each row links to exactly one predecessor. */
  auditChain: 7260462,
  /** Changing the OIDC issuer's signing keys: several processes rotate them once, not once each. */
  issuerKeys: 7260463,
  /** Creating the first admin (the setup page, ROTOR_ADMIN_EMAIL at start): one admin, not one per caller. */
  firstAdmin: 7260464,
} as const;
