import "server-only";
/**
 * An environment as a Pulumi ESC definition (`rotor export esc`, GET /api/v1/environments/{name}/esc, the
 * environment page's button): values (secret ones as `fn::secret`), rotators as `fn::rotate::<provider>` in
 * the documented shapes, their AWS logins as `fn::open::aws-login` and connectors as `connector.awsLambda`,
 * exported variables as `environmentVariables`. Secret values and state are left out unless an admin asks for
 * them (`showSecrets`); every export is audited, saying whether secrets were in it. Settings ESC has no field
 * for travel in a `# rotor: {…}` comment (see ./rotators.ts), so the file imports back into Rotor unchanged.
 */
import { Document, isMap, isScalar, type YAMLMap } from "yaml";
import type { AppContext, Actor } from "../app-context";
import { byActor } from "../app-context";
import type { Environment, RotatorRow } from "../db/schema";
import { recordAuditEvent } from "../db/queries/audit";
import { listEnvironmentValues } from "../db/queries/environments";
import { listRotatorsByEnvironment } from "../db/queries/rotators";
import { getLoginProviderById } from "../db/queries/login-providers";
import { getConnectorById } from "../db/queries/connectors";
import { valueContext } from "../environments/revisions";
import { parseTemplate } from "../environments/exports";
import { loadInputs } from "../rotation/rotator-records";
import { loadState } from "../environments/rotator-state";
import { loginSecretContext } from "../aws-logins/service";
import { parseStoredLoginConfig, type StaticLoginSecret } from "../aws-logins/validation";
import { connectorConfigSchema } from "../connectors/validation";
import { rotatorMeta } from "../rotators/meta";
import { getPath, setPath } from "../object-paths";
import type { EscValue } from "./evaluate";
import { EscReader } from "./reader";
import { ESC_ROTATORS, type EscRotatorMapping, type SecretWriter } from "./rotators";

export interface EscExport {
  yaml: string;
  /** What is not in the file, and why (also written as comments at its top). */
  omitted: string[];
}

/** A plain JS value as the evaluated tree the importer's mappings read (for computing the `# rotor:` comment). */
function asEscValue(value: unknown): EscValue {
  const source = { env: "", file: "", path: "", line: 0 };
  if (Array.isArray(value)) return { kind: "seq", items: value.map(asEscValue), source };
  if (value && typeof value === "object") {
    const object = value as Record<string, unknown>;
    if ("fn::secret" in object) return { kind: "scalar", value: object["fn::secret"] as string, secret: true, source };
    return { kind: "map", entries: new Map(Object.entries(object).map(([k, v]) => [k, asEscValue(v)])), source };
  }
  return { kind: "scalar", value: (value ?? null) as string | number | boolean | null, secret: false, source };
}

/** The Rotor-only settings that ESC's shape loses: what `fromEsc(toEsc(inputs))` would not give back. */
function rotorExtension(type: RotatorRow["type"], mapping: EscRotatorMapping, inputs: Record<string, unknown>): Record<string, unknown> {
  const esc = mapping.toEsc(inputs, {}, (v) => (v === undefined ? undefined : { "fn::secret": v }));
  const { inputs: back } = mapping.fromEsc(new EscReader(asEscValue(esc), "", 0));
  const parsed = rotatorMeta(type).inputsSchema.safeParse(back);
  const restored = parsed.success ? (parsed.data as Record<string, unknown>) : back;
  const out: Record<string, unknown> = {};
  for (const path of mapping.rotorOnly) {
    const value = getPath(inputs, path);
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(getPath(restored, path))) setPath(out, path, value);
  }
  return out;
}

/** `a.b` keys nest as ESC maps where that is unambiguous; a key that is also a prefix of another stays flat. */
function nestValues(entries: [string, unknown][]): Record<string, unknown> {
  const keys = new Set(entries.map(([k]) => k));
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const parts = key.split(".");
    const blocked = parts.some((_, i) => i > 0 && keys.has(parts.slice(0, i).join("."))) || parts.some((p) => p === "" || /^\d/.test(p));
    if (blocked) out[key] = value;
    else setPath(out, key, value);
  }
  return out;
}

/** Rotor's template references in ESC's words: `${values.k}` → `${k}`, a one-field credential by its rotator. */
function escTemplate(template: string, rotators: Map<string, RotatorRow>): string {
  return parseTemplate(template)
    .map((part) => {
      if ("text" in part) return part.text.replaceAll("${", "$${");
      const ref = part.ref;
      if (ref.kind === "value") return `\${${ref.key}}`;
      const row = rotators.get(ref.rotator);
      const single = row ? rotatorMeta(row.type).secretCredentialKeys.length === 1 && Object.keys((rotatorMeta(row.type).credentialSchema as unknown as { shape?: object }).shape ?? {}).length === 1 : false;
      return single ? `\${${ref.rotator}.${ref.which}}` : `\${${ref.rotator}.${ref.which}.${ref.field}}`;
    })
    .join("");
}

const identifier = (name: string) => name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(\d)/, "_$1");

export async function exportEsc(app: AppContext, request: { actor: Actor; environment: Environment; showSecrets: boolean }): Promise<EscExport> {
  const { environment, showSecrets } = request;
  const omitted: string[] = [];
  const secret: SecretWriter = (value) => (value === undefined || value === null ? undefined : showSecrets ? { "fn::secret": value } : undefined);
  const valueRows = await listEnvironmentValues({ db: app.db, environmentId: environment.id });
  const entries: [string, unknown][] = [];
  for (const row of valueRows) {
    if (!row.secret) entries.push([row.key, row.plainValue ?? ""]);
    else if (showSecrets && row.valueCiphertext) entries.push([row.key, { "fn::secret": app.keyring.decrypt(row.valueCiphertext, valueContext(environment.id, row.key)) }]);
    else omitted.push(`the secret value ${row.key}`);
  }
  const values: Record<string, unknown> = nestValues(entries);

  const rows = await listRotatorsByEnvironment({ db: app.db, environmentId: environment.id });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const logins: Record<string, unknown> = {};
  const loginRefs = new Map<string, string>();
  const loginRef = async (id: string): Promise<string | undefined> => {
    if (loginRefs.has(id)) return loginRefs.get(id);
    const row = await getLoginProviderById({ db: app.db, id });
    if (!row) return undefined;
    const login = parseStoredLoginConfig(row.kind, row.config);
    let key = identifier(row.name);
    while (key in logins) key = `${key}_`;
    if (login.kind === "static") {
      const stored = showSecrets && row.secretCiphertext ? (JSON.parse(app.keyring.decrypt(row.secretCiphertext, loginSecretContext(row.id))) as StaticLoginSecret) : null;
      if (!stored) omitted.push(`the secret access key of the AWS login ${row.name}`);
      logins[key] = { "fn::open::aws-login": { static: { accessKeyId: login.config.accessKeyId, ...(stored ? { secretAccessKey: secret(stored.secretAccessKey), ...(stored.sessionToken ? { sessionToken: secret(stored.sessionToken) } : {}) } : {}) } } };
    } else {
      const c = login.config;
      logins[key] = { "fn::open::aws-login": { oidc: { roleArn: c.roleArn, sessionName: c.sessionName, duration: `${c.durationSeconds}s`, ...(c.policyArns.length ? { policyArns: c.policyArns } : {}) } } };
      omitted.push(`the AWS login ${row.name}'s audience (${c.audience}), subject template (${c.subjectTemplate}) and region (${c.region}): ESC's aws-login has no such fields`);
    }
    const ref = `\${awsLogins.${key}}`;
    loginRefs.set(id, ref);
    return ref;
  };

  const comments = new Map<string, string>();
  for (const row of rows) {
    const mapping = ESC_ROTATORS[row.type];
    if (!mapping) {
      omitted.push(`the rotator ${row.name}: Pulumi ESC has no ${row.type} rotator`);
      continue;
    }
    const inputs = loadInputs(app.keyring, row) as Record<string, unknown>;
    const secretPaths = rotatorMeta(row.type).secretInputPaths.filter((path) => getPath(inputs, path) !== undefined);
    if (!showSecrets && secretPaths.length) omitted.push(`the secret inputs of ${row.name} (${secretPaths.join(", ")})`);
    let connector: { lambdaArn: string; login: string } | undefined;
    if (row.connectorId) {
      const connectorRow = await getConnectorById({ db: app.db, id: row.connectorId });
      const config = connectorRow ? connectorConfigSchema.parse(connectorRow.config) : undefined;
      const login = connectorRow?.loginProviderId ? await loginRef(connectorRow.loginProviderId) : undefined;
      if (config && login) connector = { lambdaArn: config.functionArn, login };
      if (config?.mode === "rotor") omitted.push(`the connector mode of ${connectorRow!.name} (Rotor's own handler): ESC knows only its own connector, so an import creates it in ESC-compatible mode`);
    }
    const login = row.loginProviderId ? await loginRef(row.loginProviderId) : undefined;
    const body: Record<string, unknown> = { inputs: mapping.toEsc(inputs, { login, connector }, secret) };
    if (showSecrets && row.stateCiphertext) {
      const state = loadState(app.keyring, row);
      const escState: Record<string, unknown> = {};
      if (state.current) escState.current = mapping.credentialToEsc(state.current, secret);
      if (state.previous) escState.previous = mapping.credentialToEsc(state.previous, secret);
      if (Object.keys(escState).length) body.state = escState;
    } else if (row.stateCiphertext) omitted.push(`the state of ${row.name}`);
    const extension = rotorExtension(row.type, mapping, inputs);
    if (Object.keys(extension).length) comments.set(row.name, ` rotor: ${JSON.stringify(extension)}`);
    values[row.name] = { [`fn::rotate::${mapping.provider}`]: body };
  }
  if (Object.keys(logins).length) values.awsLogins = logins;
  const exported = Object.entries(environment.exports ?? {});
  if (exported.length) values.environmentVariables = Object.fromEntries(exported.map(([name, template]) => [name, escTemplate(template, byName)]));
  const document = new Document({ ...(environment.description ? { description: environment.description } : {}), values });
  const valuesNode = document.get("values", true);
  if (isMap(valuesNode)) {
    for (const pair of (valuesNode as YAMLMap).items) {
      if (isScalar(pair.key) && comments.has(String(pair.key.value))) pair.key.commentBefore = comments.get(String(pair.key.value));
    }
  }
  const header = [
    ` Pulumi ESC definition of the Rotor environment ${environment.name} (revision ${environment.currentRevision}).`,
    ...(Object.keys(logins).length ? [" ESC's advice: keep managing credentials (awsLogins) in an environment of their own, imported by reference."] : []),
    ...(omitted.length ? [" Not in this file:", ...omitted.map((o) => `   - ${o}`), ...(showSecrets ? [] : [" (an admin can include secrets and state: rotor export esc --show-secrets)"])] : []),
  ];
  document.commentBefore = header.join("\n");
  await recordAuditEvent({
    db: app.db,
    event: { ...byActor(request.actor), action: "environment.exported", targetType: "environment", targetId: environment.id, targetLabel: environment.name, details: { format: "pulumi-esc", showSecrets } },
  });
  return { yaml: document.toString({ lineWidth: 0 }), omitted };
}
