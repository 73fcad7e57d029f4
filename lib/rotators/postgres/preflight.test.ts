/**
 * postgres preflight ("Check rotation") against a real, throwaway PostgreSQL 15 cluster with SCRAM and TLS: the
 * lines PostgreSQL words its own way (CREATEROLE, superuser and NOLOGIN targets, TLS), with what to fix, and that
 * checking changes nothing at the server. What every SQL dialect's checklist says (a missing user, a wrong
 * managing password, a missing privilege) is in the SQL contract (test/support/sql-rotator-contract.ts).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgCluster, type PgCluster } from "@/test/support/pg-cluster";
import type { CheckLine, RotatorContext } from "../types";
import { runPreflight } from "../preflight";
import { postgresRotator } from "./index";
import { postgresInputsSchema } from "./inputs";

let cluster: PgCluster;
let seq = 0;
const created: string[] = [];

beforeAll(async () => {
  cluster = await startPgCluster({ tls: true });
});

afterAll(async () => {
  if (cluster) {
    await cluster.withSuperuser(async (c) => {
      for (const name of created) await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
    });
    await cluster.stop();
  }
});

const uniq = (label: string) => `${label}_${process.pid}_${++seq}`;
const context: RotatorContext = { checkpoint: async () => {} };

async function role(name: string, attributes: string, password = `pw-${name}-secret`) {
  await cluster.withSuperuser((c) => c.query(`CREATE ROLE ${pg.escapeIdentifier(name)} ${attributes} PASSWORD ${pg.escapeLiteral(password)}`));
  created.push(name);
  return password;
}

async function setup(options: { managing?: string; u1?: string; u2?: string; inputs?: Record<string, unknown> } = {}) {
  const managing = uniq("mgr");
  const managingPassword = await role(managing, options.managing ?? "LOGIN CREATEROLE");
  const u1 = uniq("app1");
  const u2 = uniq("app2");
  await role(u1, options.u1 ?? "LOGIN");
  await role(u2, options.u2 ?? "LOGIN");
  const inputs = postgresInputsSchema.parse({
    host: cluster.host,
    port: cluster.port,
    tls: { mode: "require" },
    managing: { username: managing, password: managingPassword },
    username1: u1,
    username2: u2,
    ...options.inputs,
  });
  return { inputs, managing, managingPassword, u1, u2 };
}

async function check(inputs: unknown): Promise<Map<string, CheckLine>> {
  const { checks } = await runPreflight(postgresRotator, { inputs: inputs as never, state: { current: null, previous: null }, context });
  for (const line of checks) if (line.status === "failed") expect(line.fix, `${line.id} has a fix`).toBeTruthy();
  return new Map(checks.map((line) => [line.id, line]));
}

describe("postgres preflight", () => {
  it("passes every line for a CREATEROLE managing user and two login roles, and changes nothing", async () => {
    const { inputs, u1, u2 } = await setup();
    const before = cluster.readLog().length;
    const lines = await check(inputs);
    expect([...lines.values()].map((l) => [l.id, l.status])).toEqual([
      ["reach", "ok"],
      ["managing-login", "ok"],
      [`user:${u1}`, "ok"],
      [`privilege:${u1}`, "ok"],
      [`user:${u2}`, "ok"],
      [`privilege:${u2}`, "ok"],
      ["password-rules", "ok"],
    ]);
    expect(lines.get("managing-login")!.detail).toContain("CREATEROLE");
    expect(lines.get("reach")!.detail).toMatch(/PostgreSQL 15/);
    // log_statement=all: nothing that writes reached the server.
    expect(cluster.readLog().slice(before)).not.toMatch(/(statement|execute <unnamed>): (ALTER|CREATE|GRANT|DROP|SET)\b/i);
  });

  it("says what to grant when the managing user lacks CREATEROLE", async () => {
    const { inputs, managing, u1 } = await setup({ managing: "LOGIN" });
    const lines = await check(inputs);
    expect(lines.get(`user:${u1}`)!.status).toBe("ok");
    expect(lines.get(`privilege:${u1}`)).toMatchObject({ status: "failed", code: "auth:permission-denied", retryable: false });
    expect(lines.get(`privilege:${u1}`)!.fix).toBe(`ALTER ROLE "${managing}" CREATEROLE;`);
  });

  it("refuses a superuser target for a CREATEROLE manager (PostgreSQL 15), and a NOLOGIN role", async () => {
    const { inputs, u1, u2 } = await setup({ u1: "LOGIN SUPERUSER", u2: "NOLOGIN" });
    const lines = await check(inputs);
    expect(lines.get(`privilege:${u1}`)!.status).toBe("failed");
    expect(lines.get(`privilege:${u1}`)!.fix).toMatch(/only a superuser may change the password of the superuser/);
    expect(lines.get(`user:${u2}`)).toMatchObject({ status: "failed", code: "target:rejected" });
    expect(lines.get(`user:${u2}`)!.fix).toBe(`ALTER ROLE "${u2}" LOGIN;`);
  });

  it("fails reachability retryably on a closed port, and TLS on a certificate that does not name the host", async () => {
    const { inputs } = await setup();
    const closed = await check({ ...inputs, port: 1 });
    expect(closed.get("reach")).toMatchObject({ status: "failed", code: "target:unreachable", retryable: true });
    expect(closed.get("managing-login")!.status).toBe("skipped");

    const tls = await check({ ...inputs, tls: { mode: "verify-full", ca: cluster.caPem } });
    expect(tls.get("reach")!.status).toBe("failed");
    expect(tls.get("reach")!.detail).toMatch(/certificate/);
    expect(tls.get("reach")!.fix).toBeTruthy();
  });

  it("warns when TLS is off", async () => {
    const { inputs } = await setup({ inputs: { tls: { mode: "disable" } } });
    const lines = await check(inputs);
    expect(lines.get("tls")).toMatchObject({ status: "warning" });
    expect(lines.get("reach")!.status).toBe("ok");
  });
});
