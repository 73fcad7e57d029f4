/**
 * Sign-in throttling as a person (or a guesser) meets it, against real stores: backoff,
 * then a lock that refuses even the right password until it ends or an admin lifts it; per account and per
 * client address; counted in the store, so two Rotor instances on one PostgreSQL share the counts; and a
 * bound on concurrent password hashes, with unknown accounts costing the same hash as known ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { openStore, type Store } from "@/lib/db/client";
import { openTestStore, STORE_KINDS, type TestStore } from "@/test/support/stores";
import { TEST_ACTOR } from "@/test/support/app-context";
import { createLocalUser } from "@/lib/users/service";
import { listAuditEvents } from "@/lib/db/queries/audit";
import { insertUser } from "@/lib/db/queries/users";
import { HashGate } from "@/lib/crypto/hash-gate";
import { signInWithPassword } from "./password-sign-in";
import { liftSignInLock, listLocks } from "./sign-in-throttle";

const PASSWORD = "the right password 42";
const at = (t0: number, seconds: number) => new Date(t0 + seconds * 1000);

function unique(prefix: string) {
  return `${prefix}-${randomBytes(4).toString("hex")}@example.com`;
}

describe.each(STORE_KINDS)("sign-in throttling (%s)", (kind) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store?.destroy());

  it("backs off after a few failures, refusing even the right password until the wait is over", async () => {
    const email = unique("backoff");
    await createLocalUser({ db: store.db, actor: TEST_ACTOR, email, name: "", role: "viewer", password: PASSWORD });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      expect(await signInWithPassword({ db: store.db, email, password: "wrong", ip: null, now: at(t0, i * 10) })).toEqual({ ok: false, reason: "invalid" });
    }
    // The fifth failure (at t0+40 s) makes the next attempt wait a second.
    expect(await signInWithPassword({ db: store.db, email, password: PASSWORD, ip: null, now: at(t0, 40) })).toEqual({
      ok: false,
      reason: "throttled",
      retryAfterSeconds: 1,
      locked: false,
    });
    expect(await signInWithPassword({ db: store.db, email, password: PASSWORD, ip: null, now: at(t0, 41) })).toMatchObject({ ok: true });
    // A success starts the count again: the next failure costs nothing.
    expect(await signInWithPassword({ db: store.db, email, password: "wrong", ip: null, now: at(t0, 42) })).toEqual({ ok: false, reason: "invalid" });
    expect(await signInWithPassword({ db: store.db, email, password: PASSWORD, ip: null, now: at(t0, 42) })).toMatchObject({ ok: true });
  });

  it("locks the account after ten failures, audits the lock, and an admin lifts it", async () => {
    const email = unique("lock");
    await createLocalUser({ db: store.db, actor: TEST_ACTOR, email, name: "", role: "viewer", password: PASSWORD });
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      expect(await signInWithPassword({ db: store.db, email, password: `wrong ${i}`, ip: null, now: at(t0, i * 10) })).toEqual({ ok: false, reason: "invalid" });
    }
    const locked = await signInWithPassword({ db: store.db, email, password: PASSWORD, ip: null, now: at(t0, 200) });
    expect(locked).toMatchObject({ ok: false, reason: "throttled", locked: true });
    expect((locked as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(10 * 60);

    const lockEvents = (await listAuditEvents({ db: store.db, filter: { action: "auth.sign_in_locked", target: email }, limit: 5 })).events;
    expect(lockEvents).toHaveLength(1);
    expect(lockEvents[0]).toMatchObject({ targetLabel: `account ${email}`, outcome: "denied" });
    const refused = (await listAuditEvents({ db: store.db, filter: { action: "auth.sign_in", actor: email }, limit: 1 })).events[0];
    expect(refused).toMatchObject({ outcome: "failure", details: { reason: "locked" } });

    const lock = (await listLocks({ db: store.db, now: at(t0, 200) })).find((l) => l.key === `account:${email}`);
    expect(lock).toBeDefined();
    await liftSignInLock({ db: store.db, actor: TEST_ACTOR, key: lock!.key });
    expect((await listAuditEvents({ db: store.db, filter: { action: "auth.sign_in_unlocked" }, limit: 1 })).events[0]).toMatchObject({
      actorLabel: TEST_ACTOR.label,
      targetLabel: `account ${email}`,
    });
    expect(await signInWithPassword({ db: store.db, email, password: PASSWORD, ip: null, now: at(t0, 201) })).toMatchObject({ ok: true });
  });

  it("an unknown email is throttled exactly like a real one", async () => {
    const email = unique("nobody");
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) await signInWithPassword({ db: store.db, email, password: "x", ip: null, now: at(t0, i * 10) });
    expect(await signInWithPassword({ db: store.db, email, password: "x", ip: null, now: at(t0, 200) })).toMatchObject({ reason: "throttled", locked: true });
  });

  it("throttles a client address that tries many accounts", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const t0 = Date.now();
    for (let i = 0; i < 31; i++) {
      expect(await signInWithPassword({ db: store.db, email: unique("spray"), password: "guess", ip, now: at(t0, i) })).toEqual({ ok: false, reason: "invalid" });
    }
    // A fresh account from that address waits; the same account from another address does not.
    const victim = unique("victim");
    await createLocalUser({ db: store.db, actor: TEST_ACTOR, email: victim, name: "", role: "viewer", password: PASSWORD });
    expect(await signInWithPassword({ db: store.db, email: victim, password: PASSWORD, ip, now: at(t0, 30) })).toMatchObject({ reason: "throttled", locked: false });
    expect(await signInWithPassword({ db: store.db, email: victim, password: PASSWORD, ip: "192.0.2.200", now: at(t0, 30) })).toMatchObject({ ok: true });
  });
});

describe("two Rotor instances on one PostgreSQL", () => {
  let store: TestStore;
  let other: Store;
  beforeAll(async () => {
    store = await openTestStore("postgres");
    other = await openStore({ databaseUrl: store.databaseUrl!, dataDir: store.dataDir });
  });
  afterAll(async () => {
    await other?.close();
    await store?.destroy();
  });

  it("count the same failures, even in parallel: a burst gets only the free attempts checked", async () => {
    const email = unique("shared");
    await createLocalUser({ db: store.db, actor: TEST_ACTOR, email, name: "", role: "viewer", password: PASSWORD });
    const t0 = Date.now();
    // Ten parallel wrong attempts, half on each instance: each is counted before its password is checked, so
    // after the fifth failure the rest wait, whichever instance they reached.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signInWithPassword({ db: i % 2 ? other.db : store.db, email, password: "wrong", ip: null, now: at(t0, 0) })),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === "throttled")).toHaveLength(5);
    for (const db of [store.db, other.db]) {
      expect(await signInWithPassword({ db, email, password: PASSWORD, ip: null, now: at(t0, 0.5) })).toMatchObject({ ok: false, reason: "throttled" });
    }
    expect(await signInWithPassword({ db: other.db, email, password: PASSWORD, ip: null, now: at(t0, 1) })).toMatchObject({ ok: true });
  });
});

describe("password hashing under load", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore("pglite");
  });
  afterAll(() => store?.destroy());

  it("with one hash running and seven waiting, the next sign-in is refused at once instead of queueing", async () => {
    const gate = new HashGate({ concurrency: 1, maxWaiting: 7 });
    let release!: () => void;
    const running = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const attempts = Array.from({ length: 8 }, () => signInWithPassword({ db: store.db, email: unique("load"), password: "wrong", ip: null, gate }));
    // The ninth concurrent hash (the eighth sign-in) does not wait: it is refused while the others still wait.
    const first = await Promise.race(attempts.map((a, i) => a.then((r) => ({ r, i }))));
    expect(first.r).toEqual({ ok: false, reason: "busy" });
    expect(gate.waiting).toBe(7);
    expect(gate.running).toBe(1);
    release();
    await running;
    const results = await Promise.all(attempts);
    expect(results.filter((r) => !r.ok && r.reason === "busy")).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(7);
    expect(gate.peak).toBe(1);
    const busy = (await listAuditEvents({ db: store.db, filter: { action: "auth.sign_in" }, limit: 20 })).events.filter((e) => (e.details as { reason?: string }).reason === "server busy");
    expect(busy).toHaveLength(1);
  });

  it("an unknown email, a single-sign-on account and a disabled one cost one hash each, like a wrong password", async () => {
    const gate = new HashGate({ concurrency: 2, maxWaiting: 10 });
    const local = unique("known");
    await createLocalUser({ db: store.db, actor: TEST_ACTOR, email: local, name: "", role: "viewer", password: PASSWORD });
    const sso = unique("sso");
    await insertUser({ db: store.db, user: { email: sso, name: "", role: "viewer", authSource: "oidc", oidcIssuer: "https://idp.example", oidcSubject: sso } });
    const disabled = unique("disabled");
    await insertUser({ db: store.db, user: { email: disabled, name: "", role: "viewer", authSource: "local", disabledAt: new Date(), passwordHash: null } });
    for (const email of [local, unique("unknown"), sso, disabled]) {
      const before = gate.computed;
      expect(await signInWithPassword({ db: store.db, email, password: "wrong", ip: null, gate })).toEqual({ ok: false, reason: "invalid" });
      expect(gate.computed - before, email).toBe(1);
    }
  });
});
