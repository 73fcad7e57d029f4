/**
 * Run as a child process by lib/log.test.ts (the log format is read once per process): logs messages,
 * errors and fields carrying every kind of secret Rotor handles, each a recognisable canary.
 */
import { ConfigError } from "../../lib/env";
import { logConfigError, logError, logInfo, logWarn } from "../../lib/log";

export const CANARIES = {
  urlPassword: "CanaryUrlPw1",
  password: "CanaryPw2",
  awsSecret: "CanaryAwsSecret3",
  token: "CanaryTok4",
  scryptHash: "scrypt$16384$8$1$c2FsdENhbmFyeQ==$aGFzaENhbmFyeTU=",
  scramVerifier: "SCRAM-SHA-256$4096:Q2FuYXJ5U2FsdA==$Q2FuYXJ5U3RvcmVk:Q2FuYXJ5U2VydmVy",
  mysqlHash: "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
  fieldSecret: "CanaryField6",
  sqlPassword: "Canary'Sql7",
};

/** A driver's message that names no secret: it must reach the log whole (it is the cause an operator needs). */
export const PROSE = "password authentication failed for user app; the token of this session expired";

export const IDS = { runId: "6f1c7c2e-0000-4000-8000-000000000001", rotatorId: "6f1c7c2e-0000-4000-8000-000000000002" };

// Only when run as the child process, not when the test imports the canaries.
if (process.env.ROTOR_TEST_EMIT_LOGS === "1") {
  const c = CANARIES;
  logInfo(`connecting to postgres://admin:${c.urlPassword}@db.internal:5432/app`, IDS);
  logWarn(`managing login refused for password=${c.password}`, IDS);
  // Its cause is logged too (the real reason is often there), and redacted the same way.
  const cause = new Error(`timeout exceeded when trying to connect to postgres://rotor:${c.urlPassword}@db/rotor (password=${c.password})`);
  const driver = Object.assign(new Error(`insert failed: params ["alice@example.com","${c.scryptHash}"] {"secretAccessKey":"${c.awsSecret}"}`, { cause }), { code: "23505" });
  logError("rotation failed unexpectedly", driver, { ...IDS, reference: "ab12cd34" });
  logError(`set verifier ${c.scramVerifier} and ${c.mysqlHash}`, new Error(`bearer token: ${c.token}`), IDS);
  logInfo("field values are redacted too", { runId: `password=${c.fieldSecret}` });
  logWarn(`rotation failed: ${PROSE}`, IDS);
  logError("statement failed", new Error(`ALTER USER 'app'@'%' IDENTIFIED BY '${c.sqlPassword.replace("'", "''")}': access denied`), IDS);
  logConfigError(new ConfigError(`Rotor cannot start: DATABASE_URL postgres://rotor:${c.urlPassword}@db/rotor is unreachable`));
}
