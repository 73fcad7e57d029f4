import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cachingSha2PasswordHash, mysqlNativePasswordHash, sha256CryptDigest } from "./password-hashes";

describe("MySQL password hashes", () => {
  it("mysql_native_password is *SHA1(SHA1(password)) as MySQL's PASSWORD() computes it", () => {
    // The value of MySQL 5.7 / MariaDB SELECT PASSWORD('password').
    expect(mysqlNativePasswordHash("password")).toBe("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
  });

  it("the SHA-256-crypt digest matches openssl passwd -5 (glibc's $5$) for several lengths", () => {
    for (const [key, salt] of [["Hello world!", "saltstring"], ["x".repeat(70), "0123456789abcdef"], ["pässwörd-üñï", "Zz09"]]) {
      const expected = execFileSync("openssl", ["passwd", "-5", "-salt", salt, key], { encoding: "utf8" }).trim();
      expect(`$5$${salt}$${sha256CryptDigest(Buffer.from(key), Buffer.from(salt), 5000)}`).toBe(expected);
    }
  });

  it("caching_sha2_password has MySQL's stored shape", () => {
    const hash = cachingSha2PasswordHash("secret", "A".repeat(20));
    expect(hash).toMatch(/^\$A\$005\$A{20}[./0-9A-Za-z]{43}$/);
    expect(cachingSha2PasswordHash("secret")).toMatch(/^\$A\$005\$[0-9A-Za-z]{20}[./0-9A-Za-z]{43}$/);
  });
});
