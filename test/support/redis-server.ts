/**
 * A private Redis server for tests that the shared one cannot serve: TLS only (with a CA and a server
 * certificate made by openssl for this run) and users loaded from an aclfile (so ACL SAVE can be tested).
 * Started from the same redis-server binary as the shared server, on a free port, and stopped by its pid.
 *
 *   const server = await startRedisServer({ tls: true });
 *   server.address          // { host: "127.0.0.1", port, tls: { ca } }
 *   await server.stop();
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RedisServerAddress } from "./redis-admin";
import { makeCertificates } from "./certificates";
import { freePort } from "./ports";

export interface RedisTestServer {
  address: RedisServerAddress & { tls?: { ca: string } };
  /** The aclfile the server loads its users from. */
  aclFile: string;
  /** The certificate authority, and a second one that did not sign the server's certificate. */
  ca: string;
  otherCa: string;
  adminLogin: { username: string; password: string };
  stop(): Promise<void>;
}


export async function startRedisServer(options: { tls?: boolean } = {}): Promise<RedisTestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-redis-"));
  const port = await freePort();
  const adminLogin = { username: "admin", password: `admin-${process.pid}-${port}` };
  const aclFile = path.join(dir, "users.acl");
  // The default user is off: every connection signs in, as in production.
  fs.writeFileSync(aclFile, `user default off resetpass -@all\nuser ${adminLogin.username} on >${adminLogin.password} ~* &* +@all\n`);
  const certificates = makeCertificates(dir);
  const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--aclfile", aclFile, "--logfile", path.join(dir, "redis.log")];
  if (options.tls) {
    args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", "server.crt", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no");
  } else {
    args.push("--port", String(port));
  }
  const child = spawn("redis-server", args, { cwd: dir, stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(path.join(dir, "redis.log")) || !fs.readFileSync(path.join(dir, "redis.log"), "utf8").includes("Ready to accept connections")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = fs.existsSync(path.join(dir, "redis.log")) ? fs.readFileSync(path.join(dir, "redis.log"), "utf8") : "(no log)";
      child.kill();
      throw new Error(`the test Redis server did not start:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: { host: "127.0.0.1", port, ...(options.tls ? { tls: { ca: certificates.ca } } : {}) },
    aclFile,
    ca: certificates.ca,
    otherCa: certificates.otherCa,
    adminLogin,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
