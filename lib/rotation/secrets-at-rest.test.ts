/**
 * Secrets stored through Rotor's services never reach the disk in plaintext: after storing a managing
 * password, a rotated credential and a secret value, no file of the embedded store contains any of them.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openTestApp, TEST_ACTOR } from "@/test/support/app-context";
import { createEnvironment, setEnvironmentValue } from "../environments/service";
import { createRotator, revealCredential } from "./rotator-service";
import { rotateNow } from "./engine";

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("secrets at rest", () => {
  it("never writes a secret in plaintext to the data directory", async () => {
    const app = await openTestApp("pglite");
    const dataDir = app.store.dataDir;
    const managingPassword = "Managing-Pw-7f3a9c1e-do-not-store";
    const secretValue = "Plain-Value-Secret-51d2e8b0";
    const env = await createEnvironment(app, { actor: TEST_ACTOR, name: "atrest", description: "" });
    await createRotator(app, {
      actor: TEST_ACTOR,
      environmentId: env.id,
      name: "db",
      type: "postgres",
      inputs: { host: "db.internal", managing: { username: "admin", password: managingPassword }, username1: "app1", username2: "app2" },
    });
    const token = await createRotator(app, { actor: TEST_ACTOR, environmentId: env.id, name: "token", type: "password", inputs: {} });
    expect((await rotateNow(app, { rotatorId: token.id, trigger: "user", actor: TEST_ACTOR })).status).toBe("succeeded");
    const rotated = (await revealCredential(app, { actor: TEST_ACTOR, rotatorId: token.id, which: "current" })).password;
    await setEnvironmentValue(app, { actor: TEST_ACTOR, environmentId: env.id, key: "API_KEY", value: secretValue, secret: true });
    await app.store.close(); // flush everything to disk

    const secrets = [managingPassword, secretValue, rotated];
    const offenders: string[] = [];
    for (const file of filesUnder(dataDir)) {
      const bytes = fs.readFileSync(file);
      for (const secret of secrets) {
        if (bytes.includes(Buffer.from(secret, "utf8")) || bytes.includes(Buffer.from(secret, "utf16le"))) offenders.push(`${path.relative(dataDir, file)} contains ${secret.slice(0, 6)}…`);
      }
    }
    // Sanity check that the scan can find things: the store's files are really there and readable.
    expect(filesUnder(dataDir).length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
