/**
 * The reference adapter of the `external` rotator (examples/external-adapter/adapter.mjs) as a child process,
 * over HTTPS with a certificate made for this run, verifying tokens against a JWKS served from a test store
 * (./issuer-server.ts). Its "target" is a JSON file this helper reads directly, so a test can check which
 * passwords work without going through the rotator's code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt } from "jose";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { adapterTokenSigner, issuerSettings } from "@/lib/aws-logins/service";
import { ensureIssuerKeys, type IssuerKeyPolicy } from "@/lib/aws-logins/issuer-keys";
import { JWKS_PATH } from "@/lib/aws-logins/issuer";
import type { RotatorContext } from "@/lib/rotators/types";
import { openTestApp, type TestApp } from "./app-context";
import { startIssuerServer, type IssuerServer } from "./issuer-server";
import { makeCertificates } from "./certificates";
import { freePort } from "./ports";

export interface AdapterFile {
  passwords: { username: string; password: string }[];
  answers: Record<string, { username: string; password: string }>;
}

export interface ReferenceAdapter {
  /** https://localhost:<port> — append /rotate or /verify. */
  url: string;
  /** The CA that signed its certificate (the rotator's `ca` input). */
  ca: string;
  passwordFile: string;
  read(): AdapterFile;
  /** Makes `password` valid for `username` (an existing credential to import). */
  seed(username: string, password: string): void;
  accepts(credential: { username?: string; password?: string }): boolean;
  /** What it logged (JSON lines): ids and names, never a secret. */
  output(): string;
  stop(): Promise<void>;
}

const SCRIPT = path.resolve(__dirname, "../../examples/external-adapter/adapter.mjs");

export async function startReferenceAdapter(options: { jwksUrl: string; issuer?: string }): Promise<ReferenceAdapter> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-adapter-"));
  const certificates = makeCertificates(dir);
  const passwordFile = path.join(dir, "passwords.json");
  const port = await freePort();
  const url = `https://localhost:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      ADAPTER_PUBLIC_URL: url,
      ROTOR_JWKS_URL: options.jwksUrl,
      ...(options.issuer ? { ROTOR_ISSUER: options.issuer } : {}),
      PASSWORD_FILE: passwordFile,
      TLS_CERT_FILE: certificates.certFile,
      TLS_KEY_FILE: certificates.keyFile,
      NODE_ENV: "test",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the reference adapter did not start: ${output}`)), 30_000);
    const check = () => {
      if (output.includes('"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference adapter exited (${code}): ${output}`));
    });
  });
  const read = (): AdapterFile => (fs.existsSync(passwordFile) ? JSON.parse(fs.readFileSync(passwordFile, "utf8")) : { passwords: [], answers: {} });
  return {
    url,
    ca: certificates.ca,
    passwordFile,
    read,
    seed(username, password) {
      const data = read();
      data.passwords.push({ username, password });
      fs.writeFileSync(passwordFile, JSON.stringify(data));
    },
    accepts: (credential) => read().passwords.some((p) => p.username === credential.username && p.password === credential.password),
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }).finally(() => fs.rmSync(dir, { recursive: true, force: true })),
  };
}

/**
 * Everything an external rotator test needs from the app, so that tests beside the (pure) rotator need not
 * import the app's modules: a real store, its issuer's JWKS served over HTTP, the reference adapter trusting
 * it, and the signer the engine gives the rotator (RotatorContext.issuerToken).
 */
export interface ExternalTestBed {
  app: TestApp;
  issuer: IssuerServer;
  adapter: ReferenceAdapter;
  policy: IssuerKeyPolicy;
  /** Rotor's public URL: the `iss` of its tokens. */
  issuerUrl: string;
  sign(options?: { policy?: IssuerKeyPolicy }): NonNullable<RotatorContext["issuerToken"]>;
  /** The kid of the key that signs now. */
  currentKid(): Promise<string>;
  stop(): Promise<void>;
}

export async function startExternalTestBed(): Promise<ExternalTestBed> {
  const app = await openTestApp("pglite");
  const { policy, issuerUrl } = issuerSettings();
  const issuer = await startIssuerServer(app, policy);
  // The adapter checks `iss` against Rotor's public URL, and fetches the keys from the JWKS route.
  const adapter = await startReferenceAdapter({ jwksUrl: `${issuer.url}${JWKS_PATH}`, issuer: issuerUrl });
  return {
    app,
    issuer,
    adapter,
    policy,
    issuerUrl,
    sign: (options = {}) => adapterTokenSigner(app, { environment: "prod", rotator: "ext" }, options),
    currentKid: async () => (await ensureIssuerKeys(app, policy)).current.kid,
    stop: async () => {
      await adapter.stop();
      await issuer.stop();
      await app.destroy();
    },
  };
}

/** A loopback adapter whose behaviour a test picks; it records what it was sent. */
export async function scriptedAdapter() {
  type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, n: number) => void;
  const seen: { headers: http.IncomingHttpHeaders; body: string; claims: Record<string, unknown> }[] = [];
  let behaviour: Behaviour = (_req, res) => json(res, 200, { username: "svc", password: `pw-${crypto.randomUUID()}` });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      seen.push({ headers: req.headers, body: body.toString(), claims: token ? (decodeJwt(token) as Record<string, unknown>) : {} });
      behaviour(req, res, body, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rotate`;
  return {
    url,
    seen,
    behave(next: Behaviour) {
      behaviour = next;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, contentType = "application/json") {
  res.writeHead(status, { "content-type": contentType });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}


export type ScriptedAdapter = Awaited<ReturnType<typeof scriptedAdapter>>;
