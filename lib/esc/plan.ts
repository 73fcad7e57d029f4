/**
 * From the files of one ESC import to what Rotor would create: environments with their plain and secret values
 * and exported variables (from `environmentVariables`), rotators (inputs and imported state), AWS logins (from
 * `fn::open::aws-login`) and ESC-compatible aws-lambda connectors (from `connector.awsLambda`). Pure: the
 * importer (./import.ts) checks the plan against the store, verifies imported state and creates it in one
 * transaction. Every problem names its file, line and path; an `error` means nothing may be created.
 */
import ms from "ms";
import type { z } from "zod";
import type { Credential, RotatorState, RotatorType } from "../rotators/types";
import { credentialFieldsOf, rotatorMeta, describeInputIssues } from "../rotators/meta";
import { environmentNameSchema, valueKeySchema } from "../environments/validation";
import { EXPORT_NAME_PATTERN, validateExports } from "../environments/exports";
import { rotatorNameSchema } from "../rotation/validation";
import { oidcLoginConfigSchema, staticLoginConfigSchema, type OidcLoginConfig, type StaticLoginConfig, type StaticLoginSecret } from "../aws-logins/validation";
import { connectorConfigSchema, parseFunctionArn, type ConnectorConfig } from "../connectors/validation";
import { setPath } from "../object-paths";
import type { EscProblem } from "./problems";
import { entryOf, parseEscYaml, type EscEntry, type EscNode } from "./yaml-tree";
import { EscEvaluator, functionOf, isRotateKey, parseAccessor, type EscFileInput, type EscValue } from "./evaluate";
import { EscReader } from "./reader";
import { ESC_PROVIDERS, mappingForProvider, type LoginValue } from "./rotators";

export interface EscImportFile {
  /** The file's name as given (`prod.yaml`); the environment is named after it unless `environment` is set. */
  file: string;
  content: string;
  environment?: string;
}

export interface PlannedLogin {
  key: string;
  name: string;
  kind: "static" | "oidc";
  config: StaticLoginConfig | OidcLoginConfig;
  secret: StaticLoginSecret | null;
  definedIn: { env: string; file: string; path: string; line: number };
}

export interface PlannedConnector {
  key: string;
  name: string;
  config: ConnectorConfig;
  loginKey: string;
}

export interface PlannedRotator {
  name: string;
  type: RotatorType;
  /** Validated by the type's schema; secrets included. */
  inputs: Record<string, unknown>;
  state: RotatorState;
  loginKey: string | null;
  connectorKey: string | null;
  file: string;
  line: number;
}

export interface PlannedValue {
  key: string;
  value: string;
  secret: boolean;
  /** Set when the value came from another environment of the import (ESC `imports`). */
  copiedFrom: string | null;
}

export interface PlannedEnvironment {
  name: string;
  file: string;
  description: string;
  values: PlannedValue[];
  rotators: PlannedRotator[];
  exports: Record<string, string>;
}

export interface EscImportPlan {
  environments: PlannedEnvironment[];
  logins: PlannedLogin[];
  connectors: PlannedConnector[];
  problems: EscProblem[];
  notes: EscProblem[];
}

const TOP_LEVEL_KEYS = ["imports", "values", "description"];
/** ESC keys under values that mean something to ESC's open, not a value. */
const ESC_RESERVED_VALUES = ["environmentVariables", "files", "pulumiConfig"];
/** Rotor's own settings travel in a comment above the rotator (see ./rotators.ts). */
const ROTOR_COMMENT = /^\s*#\s*rotor:\s*(\{.*\})\s*$/;

/** The name the file itself gives: `prod.yaml` → `prod`. */
function fileBaseName(file: EscImportFile): string {
  const base = file.file.split(/[\\/]/).pop() ?? file.file;
  return base.replace(/\.(ya?ml)$/i, "");
}

export function environmentNameFor(file: EscImportFile): string {
  return file.environment ?? fileBaseName(file);
}

/** A name the Logins/Connectors pages accept, made of where it came from (`prod awsLogin`). */
function safeName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9 ._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 100);
  return cleaned || "imported";
}

function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name.slice(0, 95)}-${n}`;
  taken.add(candidate);
  return candidate;
}

export function planEscImport(files: EscImportFile[]): EscImportPlan {
  const problems: EscProblem[] = [];
  const inputs: EscFileInput[] = [];
  const seenNames = new Map<string, string>();
  for (const file of files) {
    const parsed = parseEscYaml(file.file, file.content);
    problems.push(...parsed.problems);
    const env = environmentNameFor(file);
    const name = environmentNameSchema.safeParse(env);
    if (!name.success) problems.push({ file: file.file, line: null, path: "", message: `The environment name "${env}" is not valid: ${name.error.issues[0].message}`, severity: "error" });
    if (seenNames.has(env)) problems.push({ file: file.file, line: null, path: "", message: `${seenNames.get(env)} already becomes the environment ${env}: give one of them another name`, severity: "error" });
    seenNames.set(env, file.file);
    if (parsed.root === null && parsed.problems.length === 0) problems.push({ file: file.file, line: null, path: "", message: "The file is empty: an ESC definition has at least values", severity: "error" });
    if (parsed.root && parsed.root.kind !== "map") problems.push({ file: file.file, line: parsed.root.line, path: "", message: "An ESC definition is a map with imports, values and description", severity: "error" });
    inputs.push({ env, aliases: fileBaseName(file) === env ? [] : [fileBaseName(file)], file: file.file, root: parsed.root?.kind === "map" ? parsed.root : null, lines: parsed.lines });
  }
  for (const input of inputs) checkTopLevel(input, problems);
  if (problems.length > 0) return { environments: [], logins: [], connectors: [], problems, notes: [] };
  return new Planner(inputs, problems).plan();
}

function checkTopLevel(input: EscFileInput, problems: EscProblem[]) {
  if (!input.root || input.root.kind !== "map") return;
  for (const entry of input.root.entries) {
    if (entry.key === "rotators") {
      problems.push({
        file: input.file,
        line: entry.line,
        path: "rotators",
        message: "A top-level rotators: key is not part of ESC's environment format (one docs page shows it, wrongly; ESC's evaluator ignores it): put each rotator under values: as <name>: {fn::rotate::<type>: {inputs, state}}",
        severity: "error",
      });
    } else if (!TOP_LEVEL_KEYS.includes(entry.key)) {
      problems.push({ file: input.file, line: entry.line, path: entry.key, message: `${entry.key} is not a top-level key of an ESC environment (it has imports, values and description)`, severity: "error" });
    }
  }
  const values = entryOf(input.root, "values");
  if (values && values.value.kind !== "map" && !(values.value.kind === "scalar" && values.value.value === null)) {
    problems.push({ file: input.file, line: values.line, path: "values", message: "values must be a map", severity: "error" });
  }
}

class Planner {
  private readonly evaluator: EscEvaluator;
  private readonly logins = new Map<string, PlannedLogin>();
  private readonly connectors = new Map<string, PlannedConnector>();
  private readonly loginNames = new Set<string>();
  private readonly connectorNames = new Set<string>();

  constructor(
    private readonly files: EscFileInput[],
    private readonly problems: EscProblem[],
  ) {
    this.evaluator = new EscEvaluator(files, problems);
  }

  private error(file: string, line: number | null, path: string, message: string) {
    this.evaluator.report(file, line, path, message);
  }

  private note(file: string, line: number | null, path: string, message: string) {
    this.evaluator.report(file, line, path, message, "note");
  }

  plan(): EscImportPlan {
    const environments = this.files.map((file) => this.environment(file));
    return { environments, logins: [...this.logins.values()], connectors: [...this.connectors.values()], problems: this.problems, notes: this.evaluator.notes };
  }

  private environment(file: EscFileInput): PlannedEnvironment {
    const descriptionNode = entryOf(file.root ?? undefined, "description");
    let description = "";
    if (descriptionNode) {
      if (descriptionNode.value.kind === "scalar" && typeof descriptionNode.value.value === "string") description = descriptionNode.value.value.trim().slice(0, 500);
      else this.error(file.file, descriptionNode.line, "description", "description must be text");
    }
    const values: PlannedValue[] = [];
    const rotators: PlannedRotator[] = [];
    let environmentVariables: { entry: EscEntry; env: EscFileInput } | undefined;
    for (const [key, { entry, env }] of this.evaluator.topLevel(file)) {
      const own = env === file;
      if (key === "environmentVariables") {
        environmentVariables = { entry, env };
        continue;
      }
      if (ESC_RESERVED_VALUES.includes(key)) {
        this.error(env.file, entry.line, `values.${key}`, `values.${key} has no equivalent in Rotor (it has values, rotators and exported variables): remove it to import the rest`);
        continue;
      }
      const fn = functionOf(entry.value);
      if (fn && isRotateKey(fn.key)) {
        if (own) {
          const rotator = this.rotator(file, entry, fn);
          if (rotator) rotators.push(rotator);
        } else this.note(file.file, null, `values.${key}`, `the rotator ${key} of ${env.env} (imports) is not copied: it is imported as part of ${env.env}`);
        continue;
      }
      const value = this.evaluator.evaluate(env, entry.value, key);
      if (value) this.flatten(file, value, key, own ? null : env.env, values);
    }
    const exports = environmentVariables ? this.exports(file, environmentVariables.entry, values, rotators) : {};
    if (environmentVariables && environmentVariables.env !== file) {
      this.note(file.file, null, "values.environmentVariables", `the exported variables come from ${environmentVariables.env.env} (imports)`);
    }
    return { name: file.env, file: file.file, description, values, rotators, exports };
  }

  /** A value (tree) as Rotor values: nested keys joined by dots, lists by index; aws-logins become logins. */
  private flatten(file: EscFileInput, value: EscValue, key: string, copiedFrom: string | null, out: PlannedValue[]) {
    if (value.kind === "login") {
      this.login(value);
      return;
    }
    if (value.kind === "map") {
      for (const [child, childValue] of value.entries) this.flatten(file, childValue, `${key}.${child}`, copiedFrom, out);
      return;
    }
    if (value.kind === "seq") {
      value.items.forEach((item, i) => this.flatten(file, item, `${key}.${i}`, copiedFrom, out));
      return;
    }
    const parsed = valueKeySchema.safeParse(key);
    if (!parsed.success) {
      this.error(value.source.file, value.source.line, `values.${key}`, `${key} cannot be a Rotor value key: ${parsed.error.issues[0].message}`);
      return;
    }
    const text = value.value === null ? "" : String(value.value);
    if (text.length > 10_000) {
      this.error(value.source.file, value.source.line, `values.${key}`, `${key} is longer than 10000 characters, the most a Rotor value holds`);
      return;
    }
    if (copiedFrom) this.note(file.file, null, `values.${key}`, `values.${key} copied from ${copiedFrom} (imports): Rotor has no live imports, so a later change there does not reach ${file.env}`);
    out.push({ key, value: text, secret: value.secret, copiedFrom });
  }

  private login(value: LoginValue): string | null {
    const source = value.source;
    const key = `${source.env}#${source.path}`;
    if (this.logins.has(key)) return key;
    const read = new EscReader(value.login.fields, `values.${source.path}.fn::open::aws-login.${value.login.kind}`, source.line);
    let config: StaticLoginConfig | OidcLoginConfig | undefined;
    let secret: StaticLoginSecret | null = null;
    if (value.login.kind === "static") {
      const parsed = staticLoginConfigSchema.safeParse({ accessKeyId: read.text("accessKeyId", { required: true }) ?? "" });
      const secretAccessKey = read.text("secretAccessKey", { required: true });
      const sessionToken = read.text("sessionToken");
      if (parsed.success && secretAccessKey) {
        config = parsed.data;
        secret = { secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
      } else if (!parsed.success) this.error(source.file, source.line, `values.${source.path}`, `accessKeyId: ${parsed.error.issues[0].message}`);
    } else {
      const durationText = read.text("duration");
      let durationSeconds: number | undefined = 7200; // ESC's default: 2 hours
      if (durationText !== undefined) {
        const parsedMs = /^\d+$/.test(durationText) ? Number(durationText) * 1000 : ms(durationText as ms.StringValue);
        durationSeconds = typeof parsedMs === "number" && Number.isFinite(parsedMs) ? Math.round(parsedMs / 1000) : undefined;
        if (durationSeconds === undefined) this.error(source.file, source.line, `values.${source.path}`, `duration "${durationText}" is not a duration (like 1h or 45m)`);
      }
      const attributes = read.list("subjectAttributes");
      if (attributes) this.note(source.file, source.line, `values.${source.path}`, `subjectAttributes are not used: Rotor's tokens have the subject rotor:{environment}:{rotator}; update the role's trust policy (the login's setup panel shows it)`);
      const parsed = oidcLoginConfigSchema.safeParse(
        Object.fromEntries(Object.entries({ roleArn: read.text("roleArn", { required: true }) ?? "", sessionName: read.text("sessionName"), durationSeconds, policyArns: read.list("policyArns") }).filter(([, v]) => v !== undefined)),
      );
      if (parsed.success) config = parsed.data;
      else {
        const issue = parsed.error.issues[0];
        this.error(source.file, source.line, `values.${source.path}`, `${String(issue.path[0] ?? "oidc")}: ${issue.message}`);
      }
      this.note(source.file, source.line, `values.${source.path}`, "Rotor signs this login's tokens as its own OIDC issuer: the role must trust Rotor's issuer, not Pulumi Cloud's (see the login's setup panel after the import)");
    }
    for (const issue of read.finish(`a field of aws-login ${value.login.kind}`)) this.error(source.file, issue.line, issue.path, issue.message);
    if (!config) return null;
    const name = unique(safeName(`${source.env} ${source.path}`), this.loginNames);
    this.logins.set(key, { key, name, kind: value.login.kind, config, secret, definedIn: { env: source.env, file: source.file, path: source.path, line: source.line } });
    return key;
  }

  private connector(file: EscFileInput, line: number, lambdaArn: string, login: LoginValue): string | null {
    const loginKey = this.login(login);
    if (!loginKey) return null;
    const key = `${lambdaArn}|${loginKey}`;
    if (this.connectors.has(key)) return key;
    const arn = parseFunctionArn(lambdaArn);
    const parsed = connectorConfigSchema.safeParse({ mode: "esc", functionArn: lambdaArn, region: arn?.region ?? "us-east-1" });
    if (!parsed.success) {
      this.error(file.file, line, "connector.awsLambda.lambdaArn", parsed.error.issues[0].message);
      return null;
    }
    const name = unique(safeName(arn?.name ?? lambdaArn), this.connectorNames);
    this.connectors.set(key, { key, name, config: parsed.data, loginKey });
    return key;
  }

  private rotator(file: EscFileInput, entry: EscEntry, fn: EscEntry): PlannedRotator | null {
    const base = `values.${entry.key}`;
    const nameCheck = rotatorNameSchema.safeParse(entry.key);
    if (!nameCheck.success) {
      this.error(file.file, entry.line, base, `${entry.key} cannot be a rotator name: ${nameCheck.error.issues[0].message}`);
      return null;
    }
    let provider: string | undefined;
    let body: EscNode | undefined = fn.value;
    if (fn.key === "fn::rotate") {
      const providerNode = entryOf(fn.value, "provider")?.value;
      provider = providerNode?.kind === "scalar" && typeof providerNode.value === "string" ? providerNode.value : undefined;
      if (!provider) {
        this.error(file.file, fn.line, `${base}.fn::rotate`, "fn::rotate needs a provider (or write fn::rotate::<provider>)");
        return null;
      }
      provider = provider.replace(/^fn::rotate::/, "");
    } else provider = fn.key.slice("fn::rotate::".length);
    const found = mappingForProvider(provider);
    if (!found) {
      this.error(file.file, fn.line, base, `${fn.key === "fn::rotate" ? provider : fn.key}: Rotor has no ${provider} rotator (it imports ${ESC_PROVIDERS.join(", ")})`);
      return null;
    }
    if (body?.kind !== "map") body = undefined;
    for (const child of body?.kind === "map" ? body.entries : []) {
      if (!["inputs", "state", ...(fn.key === "fn::rotate" ? ["provider"] : [])].includes(child.key)) this.error(file.file, child.line, `${base}.${child.key}`, `${child.key} is not part of a rotator (it has inputs and state)`);
    }
    const { type, mapping } = found;
    const inputsNode = entryOf(body, "inputs");
    const stateNode = entryOf(body, "state");
    const inputsValue = inputsNode ? this.evaluator.evaluate(file, inputsNode.value, `${entry.key}.inputs`) : null;
    if (inputsNode && !inputsValue) return null;
    const read = new EscReader(inputsValue ?? undefined, `${base}.inputs`, inputsNode?.line ?? fn.line);
    const { inputs, binding } = mapping.fromEsc(read);
    const extension = this.extension(file, entry, mapping.rotorOnly);
    if (extension === null) return null;
    for (const [path, value] of Object.entries(extension)) setPath(inputs, path, value);
    let loginKey: string | null = null;
    let connectorKey: string | null = null;
    if (binding.login) loginKey = this.login(binding.login);
    if (binding.connector) connectorKey = this.connector(file, binding.connector.login.source.line, binding.connector.lambdaArn, binding.connector.login);
    const state: RotatorState = { current: null, previous: null };
    if (stateNode) {
      const stateValue = this.evaluator.evaluate(file, stateNode.value, `${entry.key}.state`);
      const stateRead = new EscReader(stateValue ?? undefined, `${base}.state`, stateNode.line);
      state.current = mapping.credentialFromEsc(stateRead, "current");
      state.previous = mapping.credentialFromEsc(stateRead, "previous");
      for (const issue of stateRead.finish(`part of ${provider}'s state (current, previous)`)) this.error(file.file, issue.line, issue.path, issue.message);
      if (state.previous && !state.current) this.error(file.file, stateNode.line, `${base}.state`, "state has a previous credential but no current one");
      const meta = rotatorMeta(type);
      for (const which of ["current", "previous"] as const) {
        const credential = state[which];
        if (!credential) continue;
        const parsed = meta.credentialSchema.safeParse(credential);
        if (parsed.success) state[which] = parsed.data as Credential;
        else this.error(file.file, stateNode.line, `${base}.state.${which}`, `state.${which} is not a ${type} credential: ${parsed.error.issues[0].message}`);
      }
    }
    for (const issue of read.finish(`an input of ESC's ${provider} rotator`)) this.error(file.file, issue.line, issue.path, issue.message);
    const parsed = rotatorMeta(type).inputsSchema.safeParse(inputs);
    if (!parsed.success) {
      const { fieldErrors } = describeInputIssues(type, (parsed.error as z.ZodError).issues);
      for (const [path, message] of Object.entries(fieldErrors)) this.error(file.file, inputsNode?.line ?? fn.line, `${base}.inputs${path ? ` (Rotor input ${path})` : ""}`, message);
      return null;
    }
    for (const note of mapping.importNotes?.({ inputs: parsed.data as Record<string, unknown>, extension, inputsGiven: Boolean(inputsNode) }) ?? []) this.note(file.file, fn.line, base, note);
    return { name: entry.key, type, inputs: parsed.data as Record<string, unknown>, state, loginKey, connectorKey, file: file.file, line: entry.line };
  }

  /** Rotor's own settings from a `# rotor: {…}` comment just above the rotator's key, limited to `rotorOnly`. */
  private extension(file: EscFileInput, entry: EscEntry, rotorOnly: readonly string[]): Record<string, unknown> | null {
    for (let n = entry.line - 1; n >= 1; n--) {
      const line = file.lines[n - 1] ?? "";
      if (!/^\s*#/.test(line)) break;
      const match = ROTOR_COMMENT.exec(line);
      if (!match) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(match[1]);
      } catch {
        this.error(file.file, n, `values.${entry.key}`, "the # rotor: comment is not valid JSON");
        return null;
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        this.error(file.file, n, `values.${entry.key}`, "the # rotor: comment must hold a JSON object");
        return null;
      }
      const out: Record<string, unknown> = {};
      const walk = (value: unknown, path: string) => {
        if (rotorOnly.includes(path)) {
          out[path] = value;
          return;
        }
        if (value && typeof value === "object" && !Array.isArray(value) && rotorOnly.some((p) => p.startsWith(`${path}.`))) {
          for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
          return;
        }
        this.error(file.file, n, `values.${entry.key}`, `the # rotor: comment may only set ${rotorOnly.join(", ")}, not ${path}`);
      };
      for (const [key, value] of Object.entries(parsed)) walk(value, key);
      return out;
    }
    return {};
  }

  /** ESC `environmentVariables` → Rotor exported variables (`${rotator.current.field}`, `${values.key}`). */
  private exports(file: EscFileInput, entry: EscEntry, values: PlannedValue[], rotators: PlannedRotator[]): Record<string, string> {
    const out: Record<string, string> = {};
    if (entry.value.kind !== "map") {
      this.error(file.file, entry.line, "values.environmentVariables", "environmentVariables must be a map of NAME: value");
      return out;
    }
    const valueKeys = new Set(values.map((v) => v.key));
    const byName = new Map(rotators.map((r) => [r.name, r]));
    for (const variable of entry.value.entries) {
      const path = `values.environmentVariables.${variable.key}`;
      if (!EXPORT_NAME_PATTERN.test(variable.key)) {
        this.error(file.file, variable.line, path, `${variable.key} cannot be an exported variable name (letters, digits and _)`);
        continue;
      }
      const node = variable.value;
      if (node.kind !== "scalar" || node.value === null) {
        this.error(file.file, variable.line, path, "an exported variable is text (with ${…} references)");
        continue;
      }
      const template = String(node.value).replace(/\$\{([^}]*)\}/g, (whole, ref: string, offset: number, text: string) => {
        if (offset > 0 && text[offset - 1] === "$") return whole;
        const segments = parseAccessor(ref.trim());
        if (!segments) {
          this.error(file.file, variable.line, path, `\${${ref}} is not a property path Rotor understands`);
          return whole;
        }
        const rotator = byName.get(segments[0]);
        if (rotator && (segments[1] === "current" || segments[1] === "previous")) {
          const fields = Object.keys((rotatorMeta(rotator.type).credentialSchema as unknown as { shape?: object }).shape ?? {});
          const field = segments[2] ?? (fields.length === 1 ? fields[0] : undefined);
          if (field && segments.length <= 3) return `\${${rotator.name}.${segments[1]}.${field}}`;
        }
        const key = segments.join(".");
        if (valueKeys.has(key)) return `\${values.${key}}`;
        this.error(file.file, variable.line, path, `\${${ref}} names neither a value nor a rotator's credential field of ${file.env}`);
        return whole;
      });
      out[variable.key] = template;
    }
    const catalog = { valueKeys, rotators: new Map(rotators.map((r) => [r.name, credentialFieldsOf(rotatorMeta(r.type))])) };
    for (const [name, message] of Object.entries(validateExports(out, catalog))) {
      const line = entry.value.entries.find((e) => e.key === name)?.line ?? entry.line;
      this.error(file.file, line, `values.environmentVariables.${name}`, message);
    }
    return out;
  }
}
