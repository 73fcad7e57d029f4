/**
 * Throwaway ACL users on a Redis test server (default the shared one at 127.0.0.1:6379 as `default` without a
 * password; override with REDIS_TEST_HOST / REDIS_TEST_PORT / REDIS_TEST_USER / REDIS_TEST_PASSWORD), or on a
 * private server (./redis-server.ts) by passing its connection.
 *
 *   const admin = await connectRedisAdmin();
 *   const app = await admin.createUser({ password: "s3cret" });
 *   const manager = await admin.createManagingUser();   // only the commands the rotator needs
 *   ...
 *   await admin.dropAll();   // deletes every user it created, then disconnects
 *
 * Every name gets a per-run unique prefix, so parallel test files and reruns after a crash do not collide.
 * Everything here uses the driver directly, never the rotator's code, so it can judge the rotator.
 */
import { randomBytes } from "node:crypto";
import { createClient, ErrorReply } from "@redis/client";

export interface RedisServerAddress {
  host: string;
  port: number;
  /** Client TLS options when the server speaks TLS only. */
  tls?: { ca: string };
}

export interface RedisAccount {
  username: string;
  password: string;
}

/** What the rotator's managing user needs, and nothing else. */
export const MANAGING_COMMANDS = ["+acl|getuser", "+acl|setuser", "+client|list", "+acl|save"];

export interface RedisAdmin {
  address: RedisServerAddress;
  uniqueName(suffix?: string): string;
  /** Any command as the administrator. */
  command(args: string[]): Promise<unknown>;
  /** A user that may run PING and read/write keys under its own prefix (what an application would get). */
  createUser(options: { username?: string; password?: string | null; rules?: string[] }): Promise<RedisAccount>;
  /** A managing user limited to MANAGING_COMMANDS (or the given rules). */
  createManagingUser(options?: { rules?: string[] }): Promise<RedisAccount>;
  /** The SHA-256 hashes of the user's passwords, as ACL GETUSER lists them. */
  passwordHashesOf(username: string): Promise<string[]>;
  /** Whether signing in with this password succeeds (and PING answers) — independent of Rotor's code. */
  checkLogin(login: { username: string; password: string }): Promise<boolean>;
  dropAll(): Promise<void>;
}

function clientFor(address: RedisServerAddress, login?: { username: string; password: string }) {
  const client = createClient({
    socket: {
      host: address.host,
      port: address.port,
      reconnectStrategy: false,
      connectTimeout: 5_000,
      ...(address.tls ? { tls: true as const, ca: address.tls.ca, servername: "localhost" } : {}),
    },
    ...(login ? { username: login.username, password: login.password } : {}),
    disableClientInfo: true,
  });
  client.on("error", () => undefined);
  return client;
}

export async function connectRedisAdmin(address?: RedisServerAddress, adminLogin?: { username: string; password: string }): Promise<RedisAdmin> {
  const server: RedisServerAddress = address ?? { host: process.env.REDIS_TEST_HOST ?? "127.0.0.1", port: Number(process.env.REDIS_TEST_PORT ?? 6379) };
  const login =
    adminLogin ?? (process.env.REDIS_TEST_PASSWORD ? { username: process.env.REDIS_TEST_USER ?? "default", password: process.env.REDIS_TEST_PASSWORD } : undefined);
  const admin = clientFor(server, login);
  await admin.connect();
  const run = randomBytes(3).toString("hex");
  let counter = 0;
  const created: string[] = [];
  const uniqueName = (suffix = "u") => `rotor_t_${run}_${++counter}_${suffix}`;
  const command = (args: string[]) => admin.sendCommand(args);

  return {
    address: server,
    uniqueName,
    command,
    async createUser({ username = uniqueName("app"), password = `initial-${randomBytes(8).toString("hex")}`, rules = ["+ping", `~${username}:*`, "+get", "+set"] }) {
      created.push(username);
      await command(["ACL", "SETUSER", username, "reset", "on", ...(password ? [`>${password}`] : []), ...rules]);
      return { username, password: password ?? "" };
    },
    async createManagingUser({ rules = MANAGING_COMMANDS } = {}) {
      const username = uniqueName("mgr");
      const password = `manager-${randomBytes(12).toString("hex")}`;
      created.push(username);
      await command(["ACL", "SETUSER", username, "reset", "on", `>${password}`, "-@all", ...rules]);
      return { username, password };
    },
    async passwordHashesOf(username) {
      const reply = (await command(["ACL", "GETUSER", username])) as unknown as Record<string, unknown> | unknown[] | null;
      if (!reply) return [];
      const passwords = Array.isArray(reply) ? reply[reply.indexOf("passwords") + 1] : reply.passwords;
      return (passwords as string[]).map(String);
    },
    async checkLogin(credential) {
      const client = clientFor(server, credential);
      try {
        await client.connect();
        return String(await client.sendCommand(["PING"])) === "PONG";
      } catch (error) {
        if (error instanceof ErrorReply && /^WRONGPASS/.test(error.message)) return false;
        throw error;
      } finally {
        client.destroy();
      }
    },
    async dropAll() {
      if (!admin.isOpen) return;
      if (created.length) await command(["ACL", "DELUSER", ...created]);
      created.length = 0;
      admin.destroy();
    },
  };
}
