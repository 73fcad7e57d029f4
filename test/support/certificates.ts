/**
 * A certificate authority and a server certificate for `localhost`, made by openssl for one test run (plus a
 * second CA that signed nothing, to prove a wrong CA is refused). Shared by the TLS tests of Redis and of the
 * external rotator's adapter.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface TestCertificates {
  ca: string;
  otherCa: string;
  /** Files in `dir`: server.crt and server.key, for a server that listens as `localhost`. */
  certFile: string;
  keyFile: string;
}

export function makeCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  for (const name of ["ca", "other-ca"]) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=Rotor test ${name}`);
  }
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  fs.writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
  return {
    ca: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"),
    otherCa: fs.readFileSync(path.join(dir, "other-ca.crt"), "utf8"),
    certFile: path.join(dir, "server.crt"),
    keyFile: path.join(dir, "server.key"),
  };
}
