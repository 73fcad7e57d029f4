/**
 * redis rotator against real Redis servers: the shared one on 127.0.0.1:6379 (throwaway ACL users, a managing
 * user limited to the commands the rotator needs) and a private TLS server with an aclfile for the TLS modes
 * and ACL SAVE.
 */
import fs from "node:fs";
import net from "node:net";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedisAdmin, MANAGING_COMMANDS, type RedisAdmin } from "@/test/support/redis-admin";
import { startRedisServer, type RedisTestServer } from "@/test/support/redis-server";
import { describeRotatorContract, expectNoSecrets, rotateOnce } from "@/test/support/rotator-contract";
import { isRotatorError, type RotatorError } from "../errors";
import type { Credential, Pending, RotatorContext, RotatorState } from "../types";
import { aclPasswordHash, clientsOfUser, parseAclUser, passwordRules } from "./acl";
import { redisConnectionsOf, redisRotator } from "./index";
import { redisInputsSchema, type RedisInputs } from "./inputs";

let admin: RedisAdmin;

beforeAll(async () => {
  admin = await connectRedisAdmin();
});

afterAll(async () => {
  await admin?.dropAll();
});

const empty: RotatorState = { current: null, previous: null };
const context = (extra: Partial<RotatorContext> = {}): RotatorContext => ({ checkpoint: async () => {}, sleep: async () => {}, ...extra });
const login = (c: Credential | null) => admin.checkLogin({ username: c!.username!, password: c!.password! });

interface Fixture {
  inputs: RedisInputs;
  users: { username: string; password: string }[];
  managing: { username: string; password: string };
}

async function fixture(options: { mode?: "single-user" | "two-user"; managingRules?: string[]; inputs?: Record<string, unknown> } = {}): Promise<Fixture> {
  const mode = options.mode ?? "single-user";
  const managing = await admin.createManagingUser(options.managingRules ? { rules: options.managingRules } : {});
  const users = mode === "single-user" ? [await admin.createUser({})] : [await admin.createUser({}), await admin.createUser({})];
  const inputs = redisInputsSchema.parse({
    host: admin.address.host,
    port: admin.address.port,
    tls: { mode: "disable" },
    managing,
    mode,
    ...(mode === "single-user" ? { username: users[0]!.username } : { username1: users[0]!.username, username2: users[1]!.username }),
    ...options.inputs,
  });
  return { inputs, users, managing };
}

const wrongManagingPassword = (inputs: RedisInputs): RedisInputs => ({ ...inputs, managing: { ...inputs.managing, password: `${inputs.managing.password}-wrong` } });

describeRotatorContract("redis (single-user)", { rotator: redisRotator }, async () => {
  const f = await fixture();
  return {
    inputs: f.inputs,
    withWrongManagingLogin: wrongManagingPassword,
    checkLogin: login,
    firstRotation: { username: f.users[0]!.username },
    importedState: { current: { username: f.users[0]!.username, password: f.users[0]!.password }, previous: null },
    cleanup: async () => {
      await admin.command(["ACL", "DELUSER", f.users[0]!.username, f.managing.username]);
    },
  };
});

describeRotatorContract("redis (two-user)", { rotator: redisRotator }, async () => {
  const f = await fixture({ mode: "two-user" });
  return {
    inputs: f.inputs,
    withWrongManagingLogin: wrongManagingPassword,
    checkLogin: login,
    firstRotation: { username: f.users[0]!.username },
    importedState: {
      current: { username: f.users[0]!.username, password: f.users[0]!.password },
      previous: { username: f.users[1]!.username, password: f.users[1]!.password },
    },
    cleanup: async () => {
      await admin.command(["ACL", "DELUSER", ...f.users.map((u) => u.username), f.managing.username]);
    },
  };
});

describe("redis single-user rotation", () => {
  it("keeps current and previous valid on ONE user and removes only the password two generations old", async () => {
    const f = await fixture();
    const user = f.users[0]!;
    const imported: RotatorState = { current: { ...user }, previous: null };
    const first = await rotateOnce(redisRotator, f.inputs, imported, context());
    expect(first.state.current!.username).toBe(user.username);
    expect(first.state.previous).toEqual(imported.current);
    expect(await admin.passwordHashesOf(user.username)).toEqual(expect.arrayContaining([aclPasswordHash(user.password), aclPasswordHash(first.credential.password!)]));
    expect(await login(first.state.current)).toBe(true);
    expect(await login(first.state.previous)).toBe(true);

    const second = await rotateOnce(redisRotator, f.inputs, first.state, context());
    expect(await login(second.state.current)).toBe(true);
    expect(await login(second.state.previous)).toBe(true);
    // The imported password was previous: two generations old now, so it is gone.
    expect(await login(imported.current)).toBe(false);
    expect((await admin.passwordHashesOf(user.username)).sort()).toEqual([aclPasswordHash(first.credential.password!), aclPasswordHash(second.credential.password!)].sort());
  });

  it("never removes a password it was not given (no resetpass): an operator's own password keeps working", async () => {
    const f = await fixture();
    const user = f.users[0]!;
    let state = empty;
    for (let i = 0; i < 3; i++) state = (await rotateOnce(redisRotator, f.inputs, state, context())).state;
    expect(await admin.checkLogin(user)).toBe(true);
    expect(await admin.passwordHashesOf(user.username)).toHaveLength(3);
  });

  it("sends Redis only password hashes: no managing connection ever carries a password in plaintext", async () => {
    // Redis keeps ACL commands out of MONITOR and redacts them in SLOWLOG; what it cannot redact is the wire (a
    // proxy, a packet capture). So record every byte the rotator sends, per connection, through a relay.
    const f = await fixture();
    const relay = await byteRecorder(admin.address.port);
    try {
      const inputs = { ...f.inputs, port: relay.port };
      const state = (await rotateOnce(redisRotator, inputs, { current: { ...f.users[0]! }, previous: null }, context())).state;
      const next = (await rotateOnce(redisRotator, inputs, state, context())).state;
      const managing = relay.connections().filter((bytes) => bytes.includes(f.managing.username));
      // Add (first rotation); add, then remove the imported password (second).
      expect(managing.join("").match(/SETUSER/g)?.length ?? 0).toBe(3);
      for (const secret of [state.current!.password!, next.current!.password!, f.users[0]!.password]) {
        for (const bytes of managing) expect(bytes).not.toContain(secret);
      }
      expect(managing.join("")).toContain(`#${aclPasswordHash(next.current!.password!)}`);
      expect(managing.join("")).not.toMatch(/resetpass|nopass/);
    } finally {
      await relay.close();
    }
  });

  it("retires nothing until the new password signs in, and a resumed run converges", async () => {
    const f = await fixture();
    const user = f.users[0]!;
    const first = (await rotateOnce(redisRotator, f.inputs, { current: { ...user }, previous: null }, context())).state;
    const { pending } = await redisRotator.prepare({ inputs: f.inputs, state: first, context: context() });
    const checkpoints: Pending[] = [];
    // The process dies exactly when it records that it is about to retire the previous password.
    const dying = context({
      checkpoint: async (p) => {
        checkpoints.push(structuredClone(p));
        throw new Error("simulated crash");
      },
    });
    await expect(redisRotator.apply({ inputs: f.inputs, state: first, pending, context: dying })).rejects.toThrow("simulated crash");
    expect(await login(pending.credential)).toBe(true);
    expect(await login(first.current)).toBe(true);
    expect(await login(first.previous)).toBe(true);
    const resumed = await redisRotator.apply({ inputs: f.inputs, state: first, pending: checkpoints.at(-1)!, context: context() });
    expect(resumed.pending.credential).toEqual(pending.credential);
    expect(await login(first.previous)).toBe(false);
    expect(await login(first.current)).toBe(true);
  });

  it("abandoning a failed run removes its password and restores the previous one it had retired", async () => {
    const f = await fixture();
    const first = (await rotateOnce(redisRotator, f.inputs, { current: { ...f.users[0]! }, previous: null }, context())).state;
    const { pending } = await redisRotator.prepare({ inputs: f.inputs, state: first, context: context() });
    let recorded: Pending = pending;
    const applied = await redisRotator.apply({ inputs: f.inputs, state: first, pending, context: context({ checkpoint: async (p) => void (recorded = p) }) });
    expect(await login(first.previous)).toBe(false);
    // The run fails after apply (say, the commit could not be written): the next attempt abandons it.
    await redisRotator.abandon!({ inputs: f.inputs, state: first, pending: recorded, context: context() });
    expect(await login(applied.pending.credential)).toBe(false);
    expect(await login(first.current)).toBe(true);
    expect(await login(first.previous)).toBe(true);
  });
});

describe("redis two-user rotation", () => {
  it("rotates the user that is not current and refuses to touch the current one", async () => {
    const f = await fixture({ mode: "two-user" });
    const [u1, u2] = f.users;
    const state: RotatorState = { current: { ...u1! }, previous: { ...u2! } };
    const next = await rotateOnce(redisRotator, f.inputs, state, context());
    expect(next.state.current!.username).toBe(u2!.username);
    expect(await admin.checkLogin(u2!)).toBe(false);
    expect(await admin.checkLogin(u1!)).toBe(true);
    const bad = { credential: { username: u1!.username, password: "x".repeat(20) }, data: {} };
    const error = await redisRotator.apply({ inputs: f.inputs, state, pending: bad, context: context() }).catch((e: unknown) => e);
    expect((error as RotatorError).message).toMatch(/it is the current user/);
  });
});

describe("redis Test connection", () => {
  it("proves the managing user may read and change the user, with only the commands it needs", async () => {
    const f = await fixture();
    const result = await redisRotator.testConnection({ inputs: f.inputs, context: context() });
    const text = result.details.join("\n");
    expect(text).toMatch(/Signed in to .*7\.\d+\.\d+ at 127\.0\.0\.1:\d+ as "rotor_t_.*_mgr" without TLS/);
    expect(text).toMatch(/exists with 1 password, and the managing user may change its passwords/);
    expect(text).toMatch(/can list connections/);
    expect(MANAGING_COMMANDS).not.toContain("+@all");
  });

  it.each<[string, string[], RegExp]>([
    ["acl|setuser", ["+acl|getuser", "+client|list"], /may not run ACL SETUSER .*Grant it: ACL SETUSER rotor_t_\S+ \+acl\|setuser/],
    ["acl|getuser", ["+acl|setuser", "+client|list"], /may not run ACL GETUSER .*\+acl\|getuser/],
  ])("names the missing permission %s and how to grant it", async (_name, rules, message) => {
    const f = await fixture({ managingRules: rules });
    const error = (await redisRotator.testConnection({ inputs: f.inputs, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(isRotatorError(error) && error.code).toBe("auth:permission-denied");
    expect(error.message).toMatch(message);
  });

  it("warns when the in-use check cannot list connections", async () => {
    const f = await fixture({ managingRules: ["+acl|getuser", "+acl|setuser"] });
    const result = await redisRotator.testConnection({ inputs: f.inputs, context: context() });
    expect(result.details.join("\n")).toMatch(/Warning: the managing user may not run CLIENT LIST.*\+client\|list/);
  });

  it("refuses a missing user, a user that is off and a nopass user", async () => {
    const missing = await fixture({ inputs: { username: admin.uniqueName("ghost") } });
    await expect(redisRotator.testConnection({ inputs: missing.inputs, context: context() })).rejects.toMatchObject({ code: "target:user-not-found", message: expect.stringMatching(/does not exist/) });
    const off = await fixture();
    await admin.command(["ACL", "SETUSER", off.users[0]!.username, "off"]);
    await expect(redisRotator.testConnection({ inputs: off.inputs, context: context() })).rejects.toThrow(/is off/);
    const nopass = await fixture();
    await admin.command(["ACL", "SETUSER", nopass.users[0]!.username, "nopass"]);
    await expect(redisRotator.testConnection({ inputs: nopass.inputs, context: context() })).rejects.toThrow(/has nopass: any password signs in/);
  });

  it("a wrong managing password fails clearly without echoing it", async () => {
    const f = await fixture();
    const wrong = { ...f.inputs, managing: { ...f.inputs.managing, password: "definitely-wrong-password" } };
    const error = await redisRotator.testConnection({ inputs: wrong, context: context() }).catch((e: unknown) => e);
    expect(isRotatorError(error) && error.code).toBe("auth:managing-login-failed");
    expectNoSecrets(error, ["definitely-wrong-password", f.managing.password]);
  });

  it("an unreachable server is retryable and says what to check", async () => {
    const f = await fixture({ inputs: { port: 1 } });
    const error = (await redisRotator.testConnection({ inputs: f.inputs, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(error.code).toBe("target:unreachable");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/Cannot reach Redis at 127\.0\.0\.1:1.*Check host, port/);
  });
});

describe("redis managing connection over TLS, and ACL SAVE", () => {
  let server: RedisTestServer;
  let tlsAdmin: RedisAdmin;

  beforeAll(async () => {
    server = await startRedisServer({ tls: true });
    tlsAdmin = await connectRedisAdmin(server.address, server.adminLogin);
  });
  afterAll(async () => {
    await tlsAdmin?.dropAll();
    await server?.stop();
  });

  async function tlsInputs(extra: Record<string, unknown>) {
    const managing = await tlsAdmin.createManagingUser();
    const user = await tlsAdmin.createUser({});
    return { user, inputs: redisInputsSchema.parse({ host: "localhost", port: server.address.port, managing, username: user.username, timeoutMs: 3000, ...extra }) };
  }

  it("require: encrypted without checking the certificate", async () => {
    const { inputs } = await tlsInputs({ tls: { mode: "require" } });
    const result = await redisRotator.testConnection({ inputs, context: context() });
    expect(result.details[0]).toMatch(/over TLS/);
  });

  it("verify-full: the certificate is checked against the given CA and the host name", async () => {
    const { inputs, user } = await tlsInputs({ tls: { mode: "verify-full", ca: server.ca } });
    const { state } = await rotateOnce(redisRotator, inputs, { current: { ...user }, previous: null }, context());
    expect(await tlsAdmin.checkLogin(state.current as { username: string; password: string })).toBe(true);

    const wrongCa = { ...inputs, tls: { mode: "verify-full" as const, ca: server.otherCa } };
    const error = (await redisRotator.testConnection({ inputs: wrongCa, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(error.code).toBe("target:rejected");
    expect(error.message).toMatch(/TLS certificate of Redis at localhost:\d+ was not accepted.*CA certificate/);

    const byAddress = { ...inputs, host: "127.0.0.1" };
    const named = (await redisRotator.testConnection({ inputs: byAddress, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(named.message).toMatch(/does not name "127\.0\.0\.1"/);
  });

  it("plaintext to a TLS-only server, and TLS to a plaintext one, say which setting to change", async () => {
    const { inputs } = await tlsInputs({ tls: { mode: "disable" } });
    const plain = (await redisRotator.testConnection({ inputs, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(plain.code).toBe("target:unreachable");
    expect(plain.message).toMatch(/set TLS to "require" or "verify-full"/);

    const f = await fixture({ inputs: { tls: { mode: "require" }, timeoutMs: 1000 } });
    const tlsToPlain = (await redisRotator.testConnection({ inputs: f.inputs, context: context() }).catch((e: unknown) => e)) as RotatorError;
    expect(tlsToPlain.message).toMatch(/does not speak TLS on this port, set TLS to "disable"/);
  });

  it("aclSave persists every change to the aclfile, so a restart keeps the rotated passwords", async () => {
    const { inputs, user } = await tlsInputs({ tls: { mode: "require" }, aclSave: true });
    const first = await rotateOnce(redisRotator, inputs, { current: { ...user }, previous: null }, context());
    const second = await rotateOnce(redisRotator, inputs, first.state, context());
    const line = fs.readFileSync(server.aclFile, "utf8").split("\n").find((l) => l.startsWith(`user ${user.username} `))!;
    expect(line).toContain(`#${aclPasswordHash(second.credential.password!)}`);
    expect(line).toContain(`#${aclPasswordHash(first.credential.password!)}`);
    expect(line).not.toContain(`#${aclPasswordHash(user.password)}`);
  });

  it("aclSave on a server without an aclfile fails with what to do", async () => {
    const f = await fixture({ inputs: { aclSave: true } });
    const error = (await rotateOnce(redisRotator, f.inputs, empty, context()).catch((e: unknown) => e)) as RotatorError;
    expect(error.code).toBe("target:rejected");
    expect(error.message).toMatch(/does not load its users from an aclfile.*Turn "Run ACL SAVE" off/);
  });
});

describe("redis inputs", () => {
  const base = { host: "cache.internal", managing: { password: "manager-password" } };
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["single-user without username", { ...base }, "username", /username is required in single-user mode/],
    ["two-user without username2", { ...base, mode: "two-user", username1: "a" }, "username2", /username2 is required in two-user mode/],
    ["two-user with one user twice", { ...base, mode: "two-user", username1: "a", username2: "a" }, "username2", /different user/],
    ["rotating the managing user", { ...base, username: "default" }, "username", /must not be the managing user/],
    ["a user name with a space", { ...base, username: "app user" }, "username", /must not contain spaces/],
    ["a URL as host", { ...base, host: "redis://cache", username: "app" }, "host", /not a URL/],
  ])("refuses %s, naming the field", (_name, raw, field, message) => {
    const parsed = redisInputsSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path.join(".") === field);
    expect(issue?.message).toMatch(message);
  });
});

describe("redis ACL helpers", () => {
  it("parses ACL GETUSER in RESP2 and RESP3 shapes", () => {
    const resp2 = ["flags", ["on"], "passwords", ["ab"], "commands", "+@all"];
    expect(parseAclUser(resp2)).toEqual({ enabled: true, nopass: false, passwords: ["ab"], commands: "+@all", hasSelectors: false });
    expect(parseAclUser({ flags: ["off", "nopass"], passwords: [], commands: "-@all" })).toMatchObject({ enabled: false, nopass: true });
    expect(parseAclUser(null)).toBeNull();
  });

  it("plans only what is missing, and never removes the current password", () => {
    const user = { enabled: true, nopass: false, passwords: [aclPasswordHash("old"), aclPasswordHash("cur")], commands: "" };
    expect(passwordRules(user, { add: "new", remove: "old", keep: "cur" })).toEqual([`#${aclPasswordHash("new")}`, `!${aclPasswordHash("old")}`]);
    expect(passwordRules(user, { add: "cur", remove: "cur", keep: "cur" })).toEqual([]);
    expect(passwordRules(user, { remove: "gone" })).toEqual([]);
  });

  it("finds a user's connections in CLIENT LIST (Redis before 7.2 has no CLIENT LIST USER)", async () => {
    const f = await fixture();
    const user = f.users[0]!;
    const held = createClient({ socket: { host: admin.address.host, port: admin.address.port, reconnectStrategy: false }, username: user.username, password: user.password, disableClientInfo: true });
    held.on("error", () => undefined);
    await held.connect();
    try {
      const connections = await redisConnectionsOf(f.inputs, user.username);
      expect(connections).toHaveLength(1);
      expect(connections[0]!.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      held.destroy();
    }
    expect(clientsOfUser("id=1 addr=a:1 age=3 idle=1 user=x\nid=2 addr=b:2 age=5 idle=0 user=y\n", "y")).toEqual([{ id: "2", addr: "b:2", age: 5, idle: 0 }]);
  });
});

/** A TCP relay to the Redis server that records what clients send, one string per connection. */
async function byteRecorder(targetPort: number): Promise<{ port: number; connections(): string[]; close(): Promise<void> }> {
  const recorded: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const chunks: Buffer[] = [];
    recorded.push(chunks);
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (data) => {
      chunks.push(Buffer.from(data));
      upstream.write(data);
    });
    upstream.on("data", (data) => client.write(data));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => recorded.map((chunks) => Buffer.concat(chunks).toString("utf8")),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
