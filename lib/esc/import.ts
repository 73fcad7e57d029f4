import "server-only";
/**
 * `rotor import esc`, POST /api/v1/import/esc and the "Import from Pulumi ESC" page: plan the files
 * (./plan.ts), check the plan against the store (names in use), verify every imported state against its
 * target the way the rotator will reach it (the same check as importing state into an existing rotator), and
 * only then create everything — AWS logins, connectors, environments, values, rotators, exported variables —
 * in ONE transaction, so a failure leaves nothing behind. A dry run stops before the transaction: that is the
 * preview, and it never contains a secret value.
 */
import { randomUUID } from "node:crypto";
import { byActor, type AppContext, type Actor } from "../app-context";
import { AppError } from "../errors";
import { insertAuditEvent } from "../db/queries/audit";
import { getEnvironmentByName, insertEnvironment, updateEnvironmentExports, upsertEnvironmentValue } from "../db/queries/environments";
import { getLoginProviderByName, insertLoginProvider } from "../db/queries/login-providers";
import { getConnectorByName, insertConnector } from "../db/queries/connectors";
import { insertRotator } from "../db/queries/rotators";
import { recordRevision, reserveRevision } from "../environments/revisions";
import { environmentValueRow } from "../environments/service";
import { loginSecretContext, issuerSettings } from "../aws-logins/service";
import { ensureIssuerKeys } from "../aws-logins/issuer-keys";
import { createEscLambdaConnector } from "../connectors/esc-connector";
import { newRotatorRow, verifyImportedState } from "../rotation/rotator-service";
import { stateSummary } from "../rotation/rotator-records";
import { secretStrings, splitSecretInputs } from "../rotation/secret-fields";
import { getRotatorDefinition } from "../rotators/registry";
import { RotatorError } from "../rotators/errors";
import type { RotatorContext } from "../rotators/types";
import { planEscImport, type EscImportFile, type EscImportPlan } from "./plan";
import { formatProblem, type EscProblem } from "./problems";

/** What the preview shows: everything that would be created, without a secret value. */
export interface EscImportPreview {
  ok: boolean;
  created: boolean;
  environments: {
    name: string;
    file: string;
    description: string;
    values: { key: string; secret: boolean; value: string | null; copiedFrom: string | null }[];
    rotators: {
      name: string;
      type: string;
      line: number;
      inputs: Record<string, unknown>;
      secretInputs: string[];
      state: { current: Record<string, string> | null; previous: Record<string, string> | null };
      login: string | null;
      connector: string | null;
    }[];
    exports: Record<string, string>;
  }[];
  logins: { name: string; kind: string; config: Record<string, unknown>; definedIn: string }[];
  connectors: { name: string; mode: string; functionArn: string; region: string; login: string }[];
  problems: EscProblem[];
  notes: EscProblem[];
}

function previewOf(plan: EscImportPlan, created: boolean): EscImportPreview {
  const loginName = new Map(plan.logins.map((l) => [l.key, l.name]));
  const connectorName = new Map(plan.connectors.map((c) => [c.key, c.name]));
  return {
    ok: plan.problems.length === 0,
    created,
    environments: plan.environments.map((env) => ({
      name: env.name,
      file: env.file,
      description: env.description,
      values: env.values.map((v) => ({ key: v.key, secret: v.secret, value: v.secret ? null : v.value, copiedFrom: v.copiedFrom })),
      rotators: env.rotators.map((r) => {
        const { publicInputs, secrets } = splitSecretInputs(r.inputs, getRotatorDefinition(r.type).secretInputPaths);
        return {
          name: r.name,
          type: r.type,
          line: r.line,
          inputs: publicInputs,
          secretInputs: Object.keys(secrets).sort(),
          state: stateSummary(r.type, r.state),
          login: r.loginKey ? (loginName.get(r.loginKey) ?? null) : null,
          connector: r.connectorKey ? (connectorName.get(r.connectorKey) ?? null) : null,
        };
      }),
      exports: env.exports,
    })),
    logins: plan.logins.map((l) => ({ name: l.name, kind: l.kind, config: l.config as Record<string, unknown>, definedIn: `${l.definedIn.file}:${l.definedIn.line} values.${l.definedIn.path}` })),
    connectors: plan.connectors.map((c) => ({ name: c.name, mode: c.config.mode, functionArn: c.config.functionArn, region: c.config.region, login: loginName.get(c.loginKey) ?? "" })),
    problems: plan.problems,
    notes: plan.notes,
  };
}

/** Names already taken in the store: an environment is an error (never merged into), a login or connector gets a free name. */
async function checkAgainstStore(app: AppContext, plan: EscImportPlan) {
  for (const env of plan.environments) {
    if (await getEnvironmentByName({ db: app.db, name: env.name })) {
      plan.problems.push({ file: env.file, line: null, path: "", message: `An environment named ${env.name} already exists: import this file under another name (or delete that environment first)`, severity: "error" });
    }
  }
  const free = async (name: string, exists: (name: string) => Promise<unknown>) => {
    let candidate = name;
    for (let n = 2; await exists(candidate); n++) candidate = `${name.slice(0, 95)}-${n}`;
    return candidate;
  };
  for (const login of plan.logins) login.name = await free(login.name, (name) => getLoginProviderByName({ db: app.db, name }));
  for (const connector of plan.connectors) connector.name = await free(connector.name, (name) => getConnectorByName({ db: app.db, name }));
}

/** Every imported state must work before anything is created (the same check as importing into a rotator). */
async function verifyStates(plan: EscImportPlan) {
  const connectors = new Map(plan.connectors.map((c) => [c.key, c]));
  for (const env of plan.environments) {
    for (const rotator of env.rotators) {
      if (!rotator.state.current) continue;
      const context: Partial<RotatorContext> = {};
      const connector = rotator.connectorKey ? connectors.get(rotator.connectorKey) : undefined;
      if (connector) {
        // An ESC-compatible connector cannot log in, so verifying through it invokes nothing (it answers "skipped").
        context.databaseConnector = createEscLambdaConnector({
          functionName: connector.config.functionArn,
          region: connector.config.region,
          credentials: async () => {
            throw new RotatorError("internal:unexpected", "The connector is not created yet.");
          },
        });
      }
      const secrets = secretStrings(splitSecretInputs(rotator.inputs, getRotatorDefinition(rotator.type).secretInputPaths).secrets);
      try {
        const skipped = await verifyImportedState(rotator.type, rotator.inputs, rotator.state, secrets, context);
        for (const reason of skipped) plan.notes.push({ file: rotator.file, line: rotator.line, path: `values.${rotator.name}.state`, message: `not verified (${reason})`, severity: "note" });
        if (skipped.length === 0) plan.notes.push({ file: rotator.file, line: rotator.line, path: `values.${rotator.name}.state`, message: "verified the way its rotations will reach the target: the imported credentials work", severity: "note" });
      } catch (error) {
        plan.problems.push({ file: rotator.file, line: rotator.line, path: `values.${rotator.name}.state`, message: (error as Error).message, severity: "error" });
      }
    }
  }
}

function refuse(plan: EscImportPlan): never {
  const fieldErrors: Record<string, string> = {};
  for (const problem of plan.problems) {
    let key = `${problem.file}${problem.line ? `:${problem.line}` : ""}${problem.path ? ` ${problem.path}` : ""}`;
    for (let n = 2; key in fieldErrors; n++) key = `${key} (${n})`;
    fieldErrors[key] = problem.message;
  }
  const count = plan.problems.length;
  throw new AppError("input:invalid", `Nothing was imported: ${count} problem${count === 1 ? "" : "s"} to fix first. ${formatProblem(plan.problems[0])}`, { fieldErrors });
}

export async function importEsc(app: AppContext, request: { actor: Actor; files: EscImportFile[]; dryRun: boolean }): Promise<EscImportPreview> {
  if (request.files.length === 0) throw new AppError("input:invalid", "Give at least one ESC definition (YAML).", { fieldErrors: { files: "Required" } });
  const plan = planEscImport(request.files);
  if (plan.problems.length === 0) await checkAgainstStore(app, plan);
  if (plan.problems.length === 0) await verifyStates(plan);
  if (plan.problems.length > 0 && !request.dryRun) refuse(plan);
  if (request.dryRun) return previewOf(plan, false);

  const loginIds = new Map(plan.logins.map((l) => [l.key, randomUUID()]));
  const connectorIds = new Map(plan.connectors.map((c) => [c.key, randomUUID()]));
  await app.db.transaction(async (tx) => {
    const audit = (action: string, targetType: string, targetId: string, targetLabel: string, details: Record<string, unknown>) =>
      insertAuditEvent({ tx, event: { ...byActor(request.actor), action, targetType, targetId, targetLabel, details: { ...details, importedFrom: "Pulumi ESC" } } });
    for (const login of plan.logins) {
      const id = loginIds.get(login.key)!;
      if (await getLoginProviderByName({ db: tx, name: login.name })) throw new AppError("conflict", `A login named ${login.name} was created meanwhile; import again.`);
      await insertLoginProvider({
        db: tx,
        loginProvider: { id, name: login.name, kind: login.kind, config: login.config, secretCiphertext: login.secret ? app.keyring.encrypt(JSON.stringify(login.secret), loginSecretContext(id)) : null },
      });
      await audit("aws-login.created", "login_provider", id, login.name, { kind: login.kind, config: login.config });
    }
    for (const connector of plan.connectors) {
      const id = connectorIds.get(connector.key)!;
      if (await getConnectorByName({ db: tx, name: connector.name })) throw new AppError("conflict", `A connector named ${connector.name} was created meanwhile; import again.`);
      await insertConnector({ db: tx, connector: { id, name: connector.name, kind: "aws-lambda", config: connector.config, loginProviderId: loginIds.get(connector.loginKey)!, secretCiphertext: null } });
      await audit("connector.created", "connector", id, connector.name, { config: connector.config, secretIssued: false });
    }
    for (const env of plan.environments) {
      if (await getEnvironmentByName({ db: tx, name: env.name })) throw new AppError("conflict", `An environment named ${env.name} was created meanwhile; nothing was imported.`);
      const environment = await insertEnvironment({ db: tx, name: env.name, description: env.description });
      const reserved = await reserveRevision({ tx, environmentId: environment.id });
      for (const value of env.values) await upsertEnvironmentValue({ db: tx, value: environmentValueRow(app.keyring, { environmentId: environment.id, ...value }) });
      for (const rotator of env.rotators) {
        await insertRotator({
          db: tx,
          rotator: newRotatorRow(app.keyring, {
            id: randomUUID(),
            environmentId: environment.id,
            name: rotator.name,
            type: rotator.type,
            inputs: rotator.inputs,
            state: rotator.state,
            stateRevision: reserved.after,
            loginProviderId: rotator.loginKey ? loginIds.get(rotator.loginKey) : null,
            connectorId: rotator.connectorKey ? connectorIds.get(rotator.connectorKey) : null,
          }),
        });
      }
      if (Object.keys(env.exports).length > 0) await updateEnvironmentExports({ db: tx, id: environment.id, exports: env.exports });
      await recordRevision({ tx, keyring: app.keyring, environmentId: environment.id, reason: `imported from Pulumi ESC (${env.file})`, actor: request.actor, changedRotators: env.rotators.map((r) => r.name), reserved, snapshot: true });
      await audit("environment.imported", "environment", environment.id, environment.name, {
        file: env.file,
        values: env.values.map((v) => v.key),
        rotators: env.rotators.map((r) => ({ name: r.name, type: r.type, importedState: Boolean(r.state.current) })),
        exports: Object.keys(env.exports),
      });
    }
  });
  // The issuer's keys exist (and are published) before AWS ever sees a token from an imported OIDC login.
  if (plan.logins.some((l) => l.kind === "oidc")) await ensureIssuerKeys(app, issuerSettings().policy);
  return previewOf(plan, true);
}
