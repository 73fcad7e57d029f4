/**
 * The part of ESC's evaluator an import needs, over the files of ONE import: `fn::secret`, `fn::open::aws-login`,
 * `${path}` and `${environments.<project>.<env>.<path>}` references and top-level `imports`. A reference is
 * resolved against the files given together (ESC's usual split: a managing-credentials environment, read by a
 * rotator environment) or reported as missing with its exact path. Anything else ESC would evaluate (other
 * `fn::` functions, a rotator's outputs) is reported as something Rotor cannot represent, with its line.
 */
import type { EscProblem } from "./problems";
import { entryOf, type EscEntry, type EscNode } from "./yaml-tree";

/** Where a value was written: the environment, its file and the path under `values`. */
export interface EscSource {
  env: string;
  file: string;
  path: string;
  line: number;
}

export interface AwsLoginSpec {
  kind: "static" | "oidc";
  /** The login's own fields, evaluated (secrets included). */
  fields: EscValue;
}

export type EscValue =
  | { kind: "scalar"; value: string | number | boolean | null; secret: boolean; source: EscSource }
  | { kind: "map"; entries: Map<string, EscValue>; source: EscSource }
  | { kind: "seq"; items: EscValue[]; source: EscSource }
  | { kind: "login"; login: AwsLoginSpec; source: EscSource };

export interface EscFileInput {
  /** The environment this file becomes (`<project>/<env>` or `<env>`). */
  env: string;
  /** Other names references may use for it: the file's own name (a file imported under another name is
   *  still `managingCredentials` to the files that were written against it). */
  aliases: string[];
  file: string;
  root: EscNode | null;
  lines: string[];
}

export const isRotateKey = (key: string) => key === "fn::rotate" || key.startsWith("fn::rotate::");
export const CIPHERTEXT_ADVICE =
  "is encrypted by Pulumi ESC (fn::secret: {ciphertext}), which only ESC can decrypt: export the definition with `esc env get <org>/<project>/<env> --definition --show-secrets` and import that";

/** The single `fn::…` key of a map written as a function call, if it is one. */
export function functionOf(node: EscNode): EscEntry | undefined {
  if (node.kind !== "map" || node.entries.length === 0) return undefined;
  const fn = node.entries.find((e) => e.key.startsWith("fn::"));
  return fn;
}

class Missing extends Error {}

export class EscEvaluator {
  private readonly byEnv = new Map<string, EscFileInput>();
  private readonly evaluating = new Set<string>();
  private readonly reported = new Set<string>();
  readonly notes: EscProblem[] = [];

  constructor(
    readonly files: EscFileInput[],
    private readonly problems: EscProblem[],
  ) {
    for (const file of files) for (const name of [...file.aliases, file.env]) this.byEnv.set(name, file);
  }

  report(file: string, line: number | null, path: string, message: string, severity: EscProblem["severity"] = "error") {
    if (path && !path.startsWith("values") && path !== "imports") path = `values.${path}`;
    const key = `${severity}|${file}|${line}|${path}|${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    (severity === "error" ? this.problems : this.notes).push({ file, line, path, message, severity });
  }

  valuesNode(env: EscFileInput): EscNode | undefined {
    return entryOf(env.root ?? undefined, "values")?.value;
  }

  /** The environments named in a file's top-level `imports`, resolved against this import's files. */
  importsOf(env: EscFileInput): EscFileInput[] {
    const node = entryOf(env.root ?? undefined, "imports")?.value;
    if (!node) return [];
    if (node.kind !== "seq") {
      this.report(env.file, node.line, "imports", "imports must be a list of environment names");
      return [];
    }
    const out: EscFileInput[] = [];
    for (const item of node.items) {
      const name = item.kind === "scalar" && typeof item.value === "string" ? item.value : item.kind === "map" && item.entries.length === 1 ? item.entries[0].key : null;
      if (!name) {
        this.report(env.file, item.line, "imports", "each import is an environment name");
        continue;
      }
      const found = this.findEnv(name.split("/"));
      if (!found || found.rest.length > 0) {
        this.report(env.file, item.line, "imports", `imports ${name}, which is not among the files of this import: add its file to the import`);
        continue;
      }
      out.push(found.env);
    }
    return out;
  }

  /** Top-level value entries of an environment with imports applied (later imports, then the file itself, win). */
  topLevel(env: EscFileInput, seen = new Set<string>()): Map<string, { entry: EscEntry; env: EscFileInput }> {
    const out = new Map<string, { entry: EscEntry; env: EscFileInput }>();
    if (seen.has(env.env)) {
      this.report(env.file, null, "imports", `imports form a cycle through ${env.env}`);
      return out;
    }
    seen.add(env.env);
    for (const imported of this.importsOf(env)) for (const [key, value] of this.topLevel(imported, new Set(seen))) out.set(key, value);
    const values = this.valuesNode(env);
    if (values?.kind === "map") for (const entry of values.entries) out.set(entry.key, { entry, env });
    return out;
  }

  /** Finds the environment a reference's segments start with: `<project>/<env>`, else `<env>`. */
  private findEnv(segments: string[]): { env: EscFileInput; rest: string[] } | undefined {
    for (let n = Math.min(segments.length, 3); n >= 1; n--) {
      const name = segments.slice(0, n).join("/");
      const exact = this.byEnv.get(name);
      if (exact) return { env: exact, rest: segments.slice(n) };
    }
    // A file named by its environment alone answers for <project>/<env> too (`managingCredentials.yaml`).
    if (segments.length >= 2) {
      const byLast = this.files.filter((f) => [f.env, ...f.aliases].some((name) => name === segments[1] || name.endsWith(`/${segments[1]}`)));
      if (byLast.length === 1) return { env: byLast[0], rest: segments.slice(2) };
    }
    return undefined;
  }

  /** Evaluates a node of `env` found at `path` (dotted, under values). Null when it cannot be (reported). */
  evaluate(env: EscFileInput, node: EscNode, path: string): EscValue | null {
    const source: EscSource = { env: env.env, file: env.file, path, line: node.line };
    if (node.kind === "scalar") {
      if (typeof node.value === "string" && node.value.includes("${")) return this.interpolate(env, node, path);
      return { kind: "scalar", value: typeof node.value === "string" ? node.value.replaceAll("$${", "${") : node.value, secret: false, source };
    }
    if (node.kind === "seq") {
      const items: EscValue[] = [];
      node.items.forEach((item, i) => {
        const value = this.evaluate(env, item, `${path}[${i}]`);
        if (value) items.push(value);
      });
      return { kind: "seq", items, source };
    }
    const fn = functionOf(node);
    if (fn) {
      if (node.entries.length > 1) {
        this.report(env.file, fn.line, path, `${fn.key} must be the only key of its map`);
        return null;
      }
      return this.call(env, fn, path, source);
    }
    const entries = new Map<string, EscValue>();
    for (const entry of node.entries) {
      const value = this.evaluate(env, entry.value, path ? `${path}.${entry.key}` : entry.key);
      if (value) entries.set(entry.key, value);
    }
    return { kind: "map", entries, source };
  }

  private call(env: EscFileInput, fn: EscEntry, path: string, source: EscSource): EscValue | null {
    if (fn.key === "fn::secret") {
      if (fn.value.kind === "map" && entryOf(fn.value, "ciphertext")) {
        this.report(env.file, fn.line, path, `This secret ${CIPHERTEXT_ADVICE}.`);
        return null;
      }
      const inner = this.evaluate(env, fn.value, path);
      if (!inner || inner.kind !== "scalar" || inner.value === null) {
        this.report(env.file, fn.line, path, "fn::secret takes a text value");
        return null;
      }
      return { ...inner, value: String(inner.value), secret: true, source };
    }
    if (fn.key === "fn::open::aws-login") {
      const arg = this.evaluate(env, fn.value, path);
      if (!arg || arg.kind !== "map" || arg.entries.size !== 1 || !["static", "oidc"].some((k) => arg.entries.has(k))) {
        this.report(env.file, fn.line, path, "fn::open::aws-login takes exactly one of static or oidc");
        return null;
      }
      const kind = arg.entries.has("static") ? "static" : "oidc";
      return { kind: "login", login: { kind, fields: arg.entries.get(kind)! }, source };
    }
    if (isRotateKey(fn.key)) {
      this.report(env.file, fn.line, path, "Rotor names a rotator by its key directly under values: move this rotator to values.<name>");
      return null;
    }
    this.report(env.file, fn.line, path, `${fn.key} has no equivalent in Rotor (Rotor stores values, rotators, AWS logins and connectors): remove it or replace it with its value`);
    return null;
  }

  private interpolate(env: EscFileInput, node: EscNode & { kind: "scalar" }, path: string): EscValue | null {
    const text = node.value as string;
    const source: EscSource = { env: env.env, file: env.file, path, line: node.line };
    const parts: (string | { ref: string })[] = [];
    let i = 0;
    while (i < text.length) {
      if (text.startsWith("$${", i)) {
        parts.push("${");
        i += 3;
        continue;
      }
      if (text.startsWith("${", i)) {
        const end = text.indexOf("}", i);
        if (end < 0) {
          this.report(env.file, node.line, path, `unterminated reference in "${text.slice(i, i + 60)}"`);
          return null;
        }
        parts.push({ ref: text.slice(i + 2, end).trim() });
        i = end + 1;
        continue;
      }
      const next = text.indexOf("$", i + 1);
      parts.push(text.slice(i, next < 0 ? text.length : next));
      i = next < 0 ? text.length : next;
    }
    const refs = parts.filter((p): p is { ref: string } => typeof p !== "string");
    if (parts.length === 1 && refs.length === 1) {
      const value = this.resolve(env, refs[0].ref, node.line, path);
      return value;
    }
    let out = "";
    let secret = false;
    for (const part of parts) {
      if (typeof part === "string") {
        out += part;
        continue;
      }
      const value = this.resolve(env, part.ref, node.line, path);
      if (!value) return null;
      if (value.kind !== "scalar") {
        this.report(env.file, node.line, path, `\${${part.ref}} is not a text value, so it cannot be part of a string`);
        return null;
      }
      out += value.value === null ? "" : String(value.value);
      secret ||= value.secret;
    }
    return { kind: "scalar", value: out, secret, source };
  }

  /** Resolves one `${…}` reference made at `line` of `env`. */
  resolve(env: EscFileInput, ref: string, line: number, path: string): EscValue | null {
    const segments = parseAccessor(ref);
    if (!segments) {
      this.report(env.file, line, path, `\${${ref}} is not a property path Rotor understands`);
      return null;
    }
    let target = env;
    let rest = segments;
    if (segments[0] === "environments") {
      const found = this.findEnv(segments.slice(1));
      if (!found) {
        this.report(env.file, line, path, `\${${ref}} is missing: environment ${segments.slice(1, 3).join("/")} is not among the files of this import (add its file)`);
        return null;
      }
      target = found.env;
      rest = found.rest;
    } else if (["context", "imports", "environment"].includes(segments[0]) && !this.topLevel(env).has(segments[0])) {
      this.report(env.file, line, path, `\${${ref}} reads ESC's evaluation context, which Rotor does not have`);
      return null;
    }
    if (rest.length === 0) {
      this.report(env.file, line, path, `\${${ref}} names a whole environment; name a value in it`);
      return null;
    }
    const key = `${target.env}:${rest.join(".")}`;
    if (this.evaluating.has(key)) {
      this.report(env.file, line, path, `\${${ref}} refers to itself (a reference cycle)`);
      return null;
    }
    this.evaluating.add(key);
    try {
      return this.walk(target, rest, ref, env, line, path);
    } catch (error) {
      if (error instanceof Missing) {
        this.report(env.file, line, path, `\${${ref}} is missing: ${error.message}`);
        return null;
      }
      throw error;
    } finally {
      this.evaluating.delete(key);
    }
  }

  private walk(target: EscFileInput, segments: string[], ref: string, from: EscFileInput, line: number, path: string): EscValue | null {
    const top = this.topLevel(target).get(segments[0]);
    if (!top) throw new Missing(`${target.env} has no value ${segments[0]}`);
    const fn = functionOf(top.entry.value);
    if (fn && isRotateKey(fn.key)) {
      this.report(from.file, line, path, `\${${ref}} reads the output of the rotator ${segments[0]}: in Rotor, read it through an exported variable (environmentVariables) instead`);
      return null;
    }
    let value = this.evaluate(top.env, top.entry.value, segments[0]);
    for (let i = 1; value && i < segments.length; i++) {
      const segment = segments[i];
      if (value.kind === "login") {
        this.report(from.file, line, path, `\${${ref}} reads credentials that an aws-login only has when ESC opens the environment; Rotor has no such value`);
        return null;
      }
      if (value.kind === "map") value = value.entries.get(segment) ?? null;
      else if (value.kind === "seq" && /^\d+$/.test(segment)) value = value.items[Number(segment)] ?? null;
      else value = null;
      if (!value) throw new Missing(`${target.env} has no value ${segments.slice(0, i + 1).join(".")}`);
    }
    if (value && target !== from) {
      this.report(from.file, line, path, `copied from ${target.env} (${segments.join(".")}) when imported: Rotor keeps its own copy, ESC would read it at rotation time`, "note");
    }
    return value;
  }
}

/** `a.b[0]["c d"]` → ["a", "b", "0", "c d"]; null if malformed. */
export function parseAccessor(ref: string): string[] | null {
  const out: string[] = [];
  const pattern = /\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])\s*(\.)?/y;
  let index = 0;
  let expectName = true;
  while (index < ref.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(ref);
    if (!match) return null;
    if (match[1] !== undefined) {
      if (!expectName) return null;
      out.push(match[1]);
    } else out.push(match[2] ?? match[3].replace(/\\(.)/g, "$1"));
    expectName = Boolean(match[4]);
    index = pattern.lastIndex;
  }
  return out.length > 0 && !expectName ? out : null;
}
