/**
 * Throwaway databases and accounts on the shared MariaDB/MySQL test server (default root@127.0.0.1:3306, no
 * password; override with MYSQL_TEST_HOST / MYSQL_TEST_PORT / MYSQL_TEST_USER / MYSQL_TEST_PASSWORD).
 *
 *   const admin = await connectMysqlAdmin();
 *   const app = await admin.createUser({ password: "s3cret", grants: ["SELECT ON *.*"] });
 *   ...
 *   await admin.dropAll();   // in afterAll: drops every account and database it created, then disconnects
 *
 * Every name gets a per-run unique prefix, so parallel test files and reruns after a crash do not collide.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

export interface MysqlAccount {
  username: string;
  host: string;
  password: string;
}

export interface CreateUserOptions {
  /** Exact name; default a unique `rt_<random>_<suffix>`. */
  username?: string;
  /** Account host, default '%'. */
  host?: string;
  password: string;
  /** Privileges to grant, each as "<privileges> ON <object>", e.g. "CREATE USER ON *.*". */
  grants?: string[];
}

export interface MysqlAdmin {
  host: string;
  port: number;
  /** A unique name for this run: `rt_<random>_<suffix>` (≤ 32 characters for MySQL 8). */
  uniqueName(suffix?: string): string;
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  createDatabase(name?: string): Promise<string>;
  createUser(options: CreateUserOptions): Promise<MysqlAccount>;
  dropUser(username: string, host?: string): Promise<void>;
  /** Whether a login with this password succeeds — independent of any Rotor code. Throws on other errors. */
  checkLogin(login: { username: string; password: string; database?: string }): Promise<boolean>;
  /** Drop everything created through this admin and close its connection. Safe to call twice. */
  dropAll(): Promise<void>;
}

export async function connectMysqlAdmin(): Promise<MysqlAdmin> {
  const host = process.env.MYSQL_TEST_HOST ?? "127.0.0.1";
  const port = Number(process.env.MYSQL_TEST_PORT ?? 3306);
  const conn = await mysql.createConnection({
    host,
    port,
    user: process.env.MYSQL_TEST_USER ?? "root",
    password: process.env.MYSQL_TEST_PASSWORD ?? "",
    charset: "utf8mb4_general_ci",
  });
  const run = randomBytes(3).toString("hex");
  let counter = 0;
  const users: { username: string; host: string }[] = [];
  const databases: string[] = [];
  let closed = false;

  const query = async <T,>(sql: string, values: unknown[] = []) => (await conn.query(sql, values))[0] as T[];

  const admin: MysqlAdmin = {
    host,
    port,
    uniqueName(suffix = "u") {
      return `rt_${run}_${++counter}_${suffix}`.slice(0, 32);
    },
    query,
    async createDatabase(name = admin.uniqueName("db")) {
      await query(`CREATE DATABASE ${mysql.escapeId(name)}`);
      databases.push(name);
      return name;
    },
    async createUser({ username = admin.uniqueName(), host: accountHost = "%", password, grants = [] }) {
      await query("CREATE USER ?@? IDENTIFIED BY ?", [username, accountHost, password]);
      users.push({ username, host: accountHost });
      for (const grant of grants) {
        const [privileges, object] = grant.split(/\s+ON\s+/i);
        await query(`GRANT ${privileges} ON ${object} TO ?@?`, [username, accountHost]);
      }
      return { username, host: accountHost, password };
    },
    async dropUser(username, accountHost = "%") {
      await query("DROP USER IF EXISTS ?@?", [username, accountHost]);
    },
    async checkLogin({ username, password, database }) {
      try {
        const c = await mysql.createConnection({ host, port, user: username, password, database, connectTimeout: 5000 });
        try {
          await c.query("SELECT 1");
        } finally {
          await c.end().catch(() => c.destroy());
        }
        return true;
      } catch (error) {
        if ((error as { errno?: number }).errno === 1045) return false;
        throw error;
      }
    },
    async dropAll() {
      if (closed) return;
      closed = true;
      try {
        for (const u of users) await query("DROP USER IF EXISTS ?@?", [u.username, u.host]);
        for (const d of databases) await query(`DROP DATABASE IF EXISTS ${mysql.escapeId(d)}`);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },
  };
  return admin;
}
