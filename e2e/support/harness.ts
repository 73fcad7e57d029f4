/**
 * What global setup hands to the specs: written as JSON to a file whose path is in ROTOR_E2E_STATE (the
 * runner's environment is inherited by the workers, so the path reaches every test process).
 */
import fs from "node:fs";
import { OIDC_ACCOUNTS } from "./accounts";
import type { E2eAwsState } from "./aws";

export interface HarnessState {
  /** Rotor's URL, e.g. http://localhost:41234 (also the config's `use.baseURL`). */
  baseURL: string;
  /** The first-run setup URL Rotor printed, with its one-time token. */
  setupUrl: string;
  /** Temporary directory of this run: Rotor's data dir, logs, saved sign-in states. */
  runDir: string;
  dataDir: string;
  serverLog: string;
  /** storageState file of the first admin, written by first-run.setup.ts. */
  adminStatePath: string;
  oidc: {
    issuer: string;
    clientId: string;
    /** The label of Rotor's SSO button: "Sign in with <name>". */
    name: string;
    accounts: typeof OIDC_ACCOUNTS;
  };
  /** The fake AWS (STS, IAM, Lambda) Rotor's server uses: support/aws.ts. */
  aws: E2eAwsState;
}

export const STATE_ENV = "ROTOR_E2E_STATE";

export function readHarnessState(): HarnessState {
  const file = process.env[STATE_ENV];
  if (!file || !fs.existsSync(file)) {
    throw new Error(`${STATE_ENV} is not set or missing: run the e2e tests with \`npx playwright test\` (global setup starts the servers).`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as HarnessState;
}
