/**
 * The two-user rotation logic with a recording connector: which user is picked, what is sent, and the guard
 * rails. The same logic runs against real servers in ../postgres and ../mysql; this file pins down the rules
 * a Lambda connector relies on (requests are plain JSON) without a database.
 */
import { describe, expect, it } from "vitest";
import { isRotatorError } from "../errors";
import type { RotatorState } from "../types";
import type { DatabaseConnector, PingRequest, SetPasswordRequest, VerifyLoginRequest } from "./connector";
import { mysqlRotator } from "../mysql";
import { mysqlInputsSchema } from "../mysql/inputs";
import { postgresRotator } from "../postgres";
import { postgresInputsSchema } from "../postgres/inputs";
import { pickSlot } from "./two-user-rotator";

const rotator = postgresRotator;
const inputs = postgresInputsSchema.parse({
  host: "db.internal",
  managing: { username: "admin", password: "managing-secret" },
  username1: "app1",
  username2: "app2",
  tls: { mode: "verify-full", ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" },
});

/** Remembers every request; passwords in `accepted` log in. */
function recorder(accepted = new Map<string, string>()) {
  const calls: { method: string; req: PingRequest | SetPasswordRequest | VerifyLoginRequest }[] = [];
  const connector: DatabaseConnector = {
    async ping(req) {
      calls.push({ method: "ping", req });
      return { ok: true, serverVersion: "PostgreSQL 16.0", authenticatedAs: "admin", privilege: "CREATEROLE", warnings: [],
        users: (req.users ?? []).map((u) => ({ ...u, exists: true, canLogin: true, changeable: true })) };
    },
    async setPassword(req) {
      calls.push({ method: "setPassword", req });
      accepted.set(req.user.username, req.newPassword);
      return { ok: true };
    },
    async verifyLogin(req) {
      calls.push({ method: "verifyLogin", req });
      return accepted.get(req.user.username) === req.password ? { ok: true } : { ok: false, reason: "refused" };
    },
  };
  return { connector, calls, accepted };
}

const ctx = (connector: DatabaseConnector) => ({ checkpoint: async () => {}, databaseConnector: connector, sleep: async () => {} });

describe("two-user rotator", () => {
  it.each<[string, RotatorState, 1 | 2]>([
    ["empty state → username1", { current: null, previous: null }, 1],
    ["current is username1 → username2", { current: { username: "app1", password: "x" }, previous: null }, 2],
    ["current is username2 → username1", { current: { username: "app2", password: "x" }, previous: { username: "app1", password: "y" } }, 1],
    ["no current, previous is username1 → username2", { current: null, previous: { username: "app1", password: "y" } }, 2],
    ["current is an unknown user (inputs changed) → username1", { current: { username: "old", password: "x" }, previous: null }, 1],
  ])("picks the user that is not current: %s", (_name, state, slot) => {
    expect(pickSlot(inputs, state)).toBe(slot);
  });

  it("records the slot in pending.data and generates by the rules", async () => {
    const withRules = { ...inputs, passwordRules: { ...postgresInputsSchema.parse({ ...inputs, passwordRules: { length: 12, symbols: false } }).passwordRules! } };
    const { connector } = recorder();
    const { pending } = await rotator.prepare({ inputs: withRules, state: { current: { username: "app1", password: "x" }, previous: null }, context: ctx(connector) });
    expect(pending.data).toEqual({ slot: 2, username: "app2" });
    expect(pending.credential!.username).toBe("app2");
    expect(pending.credential!.password).toMatch(/^[A-Za-z0-9]{12}$/);
  });

  it("sends plain-JSON requests through context.databaseConnector", async () => {
    const { connector, calls } = recorder();
    const state: RotatorState = { current: null, previous: null };
    await rotator.testConnection({ inputs, context: ctx(connector) });
    const { pending } = await rotator.prepare({ inputs, state, context: ctx(connector) });
    const applied = await rotator.apply({ inputs, state, pending, context: ctx(connector) });
    await rotator.verify({ inputs, credential: applied.pending.credential, context: ctx(connector) });
    // A fresh run's apply does not try the new password first: that login would always be refused.
    expect(calls.map((c) => c.method)).toEqual(["ping", "setPassword", "verifyLogin"]);
    for (const { req } of calls) expect(JSON.parse(JSON.stringify(req))).toEqual(req);
    expect(calls[1]!.req).toEqual({
      connection: { dialect: "postgres", host: "db.internal", port: 5432, database: "postgres", tls: { mode: "verify-full", ca: inputs.tls.ca } },
      managing: { username: "admin", password: "managing-secret" },
      user: { username: "app1" },
      newPassword: pending.credential!.password,
    });
  });

  it("addresses MySQL accounts as user@userHost", async () => {
    const my = mysqlRotator;
    const myInputs = mysqlInputsSchema.parse({ host: "h", managing: { username: "admin", password: "pw" }, username1: "a", username2: "b", userHost: "10.0.%" });
    const { connector, calls } = recorder();
    const { pending } = await my.prepare({ inputs: myInputs, state: { current: null, previous: null }, context: ctx(connector) });
    await my.apply({ inputs: myInputs, state: { current: null, previous: null }, pending, context: ctx(connector) });
    expect((calls[0]!.req as SetPasswordRequest).user).toEqual({ username: "a", host: "10.0.%" });
    expect((calls[0]!.req as SetPasswordRequest).connection).toMatchObject({ dialect: "mysql", port: 3306 });
  });

  it("skips the change when the pending password already works (resumed run)", async () => {
    const { connector, calls, accepted } = recorder();
    const state: RotatorState = { current: null, previous: null };
    const { pending } = await rotator.prepare({ inputs, state, context: ctx(connector) });
    accepted.set("app1", pending.credential!.password!);
    await rotator.apply({ inputs, state, pending, context: ctx(connector), resumed: true });
    expect(calls.map((c) => c.method)).toEqual(["verifyLogin"]);
  });

  it("a resumed run whose password did not reach the target tries it once, then sets it", async () => {
    const { connector, calls } = recorder();
    const state: RotatorState = { current: null, previous: null };
    const { pending } = await rotator.prepare({ inputs, state, context: ctx(connector) });
    await rotator.apply({ inputs, state, pending, context: ctx(connector), resumed: true });
    expect(calls.map((c) => c.method)).toEqual(["verifyLogin", "setPassword"]);
  });

  it("never changes the current user, nor a user the inputs do not name", async () => {
    const { connector, calls } = recorder();
    const state: RotatorState = { current: { username: "app1", password: "current" }, previous: null };
    const current = await rotator
      .apply({ inputs, state, pending: { credential: { username: "app1", password: "new" }, data: {} }, context: ctx(connector) })
      .catch((e: unknown) => e);
    expect(isRotatorError(current) && current.code).toBe("internal:unexpected");
    const stranger = await rotator
      .apply({ inputs, state, pending: { credential: { username: "postgres", password: "new" }, data: {} }, context: ctx(connector) })
      .catch((e: unknown) => e);
    expect(isRotatorError(stranger) && stranger.code).toBe("input:invalid");
    const empty = await rotator.apply({ inputs, state, pending: { credential: null, data: {} }, context: ctx(connector) }).catch((e: unknown) => e);
    expect(isRotatorError(empty) && empty.code).toBe("input:invalid");
    expect(calls).toEqual([]);
  });

  it("verify retries a refused login, then fails with auth:verify-failed; stops early when aborted", async () => {
    const { connector, calls } = recorder();
    const sleeps: number[] = [];
    const credential = { username: "app2", password: "not-accepted" };
    const error = await rotator
      .verify({ inputs, credential, context: { ...ctx(connector), sleep: async (ms: number) => void sleeps.push(ms) } })
      .catch((e: unknown) => e);
    expect(isRotatorError(error) && error.code).toBe("auth:verify-failed");
    expect((error as Error).message).toBe('The new password of "app2" does not work: refused');
    expect(sleeps).toEqual([500, 1500]);
    expect(calls).toHaveLength(3);

    const aborted = new AbortController();
    aborted.abort();
    calls.length = 0;
    await rotator.verify({ inputs, credential, context: { ...ctx(connector), signal: aborted.signal } }).catch(() => {});
    expect(calls).toHaveLength(1);
  });

  it("verifyCredential checks the shape and that the user is one of the two", async () => {
    const { connector } = recorder();
    for (const [credential, code] of [
      [{ username: "app1" }, "input:invalid"],
      [{ username: "app1", password: "x", extra: "y" }, "input:invalid"],
      [{ username: "someone", password: "x" }, "input:invalid"],
      [{ username: "app1", password: "wrong" }, "auth:verify-failed"],
    ] as const) {
      const error = await rotator.verifyCredential({ inputs, credential, context: ctx(connector) }).catch((e: unknown) => e);
      expect(isRotatorError(error) && error.code).toBe(code);
    }
  });
});
