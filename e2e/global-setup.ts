/**
 * Starts what the e2e specs run against, once per `playwright test` run:
 *   1. a real OpenID Connect provider on 127.0.0.1 (random port) with the accounts in support/accounts.ts;
 *   1b. the fake AWS endpoint (support/aws.ts: STS with AssumeRoleWithWebIdentity, IAM, Lambda running the
 *      real connector handler), whose URL Rotor gets as AWS_ENDPOINT_URL_IAM/STS/LAMBDA;
 *   2. Rotor via scripts/start.mjs (builds only when the sources changed since the last build) on
 *      ROTOR_E2E_PORT (chosen by playwright.config.ts), with a fresh temporary data directory (embedded
 *      PGlite) and ROTOR_OIDC_* pointing at that provider;
 * then writes the harness state (support/harness.ts) with the setup URL Rotor printed. The returned function
 * is the global teardown: it stops both servers, copies their logs to test-results/e2e-logs/ and deletes the
 * temporary directory (kept when ROTOR_E2E_KEEP=1).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { OIDC_ACCOUNTS, OIDC_ROLE_SETTINGS } from "./support/accounts";
import { STATE_ENV, type HarnessState } from "./support/harness";
import { startOidcProvider } from "./support/oidc-provider";
import { startRotorServer } from "./support/rotor-server";
import { startE2eAws } from "./support/aws";

const OIDC_NAME = "Test IdP";

export default async function globalSetup(config: FullConfig) {
  const repoRoot = path.dirname(config.configFile ?? path.join(process.cwd(), "playwright.config.ts"));
  const port = Number(process.env.ROTOR_E2E_PORT);
  if (!port) throw new Error("ROTOR_E2E_PORT is not set (playwright.config.ts sets it)");

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "rotor-e2e-"));
  const dataDir = path.join(runDir, "data");
  const serverLog = path.join(runDir, "rotor.log");
  const idpLog = path.join(runDir, "idp.log");
  const awsLog = path.join(runDir, "aws.log");
  const baseURL = `http://localhost:${port}`;

  const idp = await startOidcProvider({
    accounts: OIDC_ACCOUNTS,
    redirectUris: [`${baseURL}/api/auth/callback/oidc`],
    log: (line) => fs.appendFileSync(idpLog, `${new Date().toISOString()} ${line}\n`),
  });

  const aws = await startE2eAws({ log: (line) => fs.appendFileSync(awsLog, `${new Date().toISOString()} ${line}\n`) });

  const started = Date.now();
  console.log(`[e2e] starting Rotor on ${baseURL} (builds first if the sources changed; log: ${serverLog})`);
  let rotor;
  try {
    rotor = await startRotorServer({
      repoRoot,
      port,
      logFile: serverLog,
      env: {
        ROTOR_DATA_DIR: dataDir,
        ROTOR_OIDC_ISSUER: idp.issuer,
        ROTOR_OIDC_CLIENT_ID: idp.clientId,
        ROTOR_OIDC_CLIENT_SECRET: idp.clientSecret,
        ROTOR_OIDC_NAME: OIDC_NAME,
        ...OIDC_ROLE_SETTINGS,
        ...aws.rotorEnv,
      },
    });
    if (!rotor.setupUrl) throw new Error(`Rotor did not print a setup URL (see ${serverLog})`);
  } catch (error) {
    await rotor?.stop();
    await idp.close();
    await aws.stop();
    throw error;
  }
  // Another `next build` in this work tree while the tests run replaces the server's files under it.
  const buildIdFile = path.join(repoRoot, ".next", "BUILD_ID");
  const readBuildId = () => (fs.existsSync(buildIdFile) ? fs.readFileSync(buildIdFile, "utf8") : "");
  const buildId = readBuildId();
  console.log(`[e2e] Rotor ready in ${Math.round((Date.now() - started) / 1000)} s; identity provider at ${idp.issuer}`);

  const state: HarnessState = {
    baseURL,
    setupUrl: rotor.setupUrl,
    runDir,
    dataDir,
    serverLog,
    adminStatePath: path.join(runDir, "admin-state.json"),
    oidc: { issuer: idp.issuer, clientId: idp.clientId, name: OIDC_NAME, accounts: OIDC_ACCOUNTS },
    aws: aws.state,
  };
  const stateFile = path.join(runDir, "state.json");
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = stateFile;

  return async () => {
    await rotor.stop();
    await idp.close();
    await aws.stop();
    if (readBuildId() !== buildId) {
      console.warn("[e2e] WARNING: .next was rebuilt by another process during this run; failures may come from that.");
    }
    const logsDir = path.join(config.projects[0]?.outputDir ?? path.join(repoRoot, "test-results"), "e2e-logs");
    fs.mkdirSync(logsDir, { recursive: true });
    for (const file of [serverLog, idpLog, awsLog]) if (fs.existsSync(file)) fs.copyFileSync(file, path.join(logsDir, path.basename(file)));
    if (process.env.ROTOR_E2E_KEEP === "1") console.log(`[e2e] kept ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  };
}
