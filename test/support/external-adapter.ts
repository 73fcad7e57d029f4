/**
 * The reference adapter of the `external` rotator (examples/external-adapter/adapter.mjs) as a child process,
 * over HTTPS with a certificate made for this run, verifying tokens against a JWKS served from a test store
 * (./issuer-server.ts). Its "target" is a JSON file this helper reads directly, so a test can check which
 * passwords work without going through the rotator's code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeCertificates } from "./certificates";
import { closedPort } from "./ports";

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
  const port = await closedPort();
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
    const timer = setTimeout(() => reject(new Error(`the reference adapter did not start: ${output}`)), 15_000);
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
