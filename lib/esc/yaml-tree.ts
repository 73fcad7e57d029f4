/**
 * Reading one Pulumi ESC environment definition (YAML) into a small tree that knows the line of every node,
 * refusing what a definition never needs and an attacker might send: several documents, anchors and aliases
 * (alias bombs), explicit tags, duplicate keys, prototype-polluting keys, very deep nesting and huge inputs.
 * The tree is built from the `yaml` package's nodes (not `toJS`), so no object with a hostile key is ever made.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from "yaml";
import type { EscProblem } from "./problems";
import { MAX_ESC_FILE_BYTES as MAX_FILE_BYTES } from "./validation";

export type EscNode =
  | { kind: "map"; line: number; entries: EscEntry[] }
  | { kind: "seq"; line: number; items: EscNode[] }
  | { kind: "scalar"; line: number; value: string | number | boolean | null };

export interface EscEntry {
  key: string;
  line: number;
  value: EscNode;
}

const MAX_DEPTH = 48;
const MAX_NODES = 20_000;
/** Keys that would reach an object's prototype if anything downstream ever used plain objects. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export interface ParsedYaml {
  root: EscNode | null;
  /** The source lines (1-based line n is lines[n - 1]): Rotor's own comments are read from them. */
  lines: string[];
  problems: EscProblem[];
}

export function parseEscYaml(file: string, source: string): ParsedYaml {
  const lines = source.split(/\r?\n/);
  const problems: EscProblem[] = [];
  const fail = (line: number | null, message: string): ParsedYaml => {
    problems.push({ file, line, path: "", message, severity: "error" });
    return { root: null, lines, problems };
  };
  if (Buffer.byteLength(source, "utf8") > MAX_FILE_BYTES) return fail(null, `The file is larger than ${MAX_FILE_BYTES / 1024} KB; an ESC definition is never that big.`);
  if (source.includes("\0")) return fail(null, "The file contains a NUL character: it is not a YAML text file.");
  const counter = new LineCounter();
  let documents;
  try {
    documents = parseAllDocuments(source, { lineCounter: counter, uniqueKeys: true, schema: "core", prettyErrors: false });
  } catch (error) {
    return fail(null, `The file is not valid YAML: ${(error as Error).message}`);
  }
  const list = Array.isArray(documents) ? documents : [];
  if (list.length > 1) return fail(counter.linePos(list[1].range[0]).line, "The file holds more than one YAML document; give each environment its own file.");
  const document = list[0];
  if (!document) return { root: null, lines, problems };
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined) => (node?.range ? counter.linePos(node.range[0]).line : 1);
  const firstError = document.errors[0];
  if (firstError) return fail(counter.linePos(firstError.pos[0]).line, `The file is not valid YAML: ${firstError.message.split("\n")[0]}`);
  const tagWarning = document.warnings.find((w) => /tag/i.test(w.message));
  if (tagWarning) return fail(counter.linePos(tagWarning.pos[0]).line, "YAML tags (!…) are not part of ESC definitions.");

  let nodes = 0;
  class Refused extends Error {
    constructor(readonly line: number, message: string) {
      super(message);
    }
  }
  const build = (node: YamlNode | null | undefined, depth: number): EscNode => {
    if (++nodes > MAX_NODES) throw new Refused(lineOf(node), `The file has more than ${MAX_NODES} YAML nodes; an ESC definition is never that big.`);
    if (depth > MAX_DEPTH) throw new Refused(lineOf(node), `The file nests deeper than ${MAX_DEPTH} levels.`);
    if (node === null || node === undefined) return { kind: "scalar", line: 1, value: null };
    if (isAlias(node)) throw new Refused(lineOf(node), "YAML aliases (*name) are not accepted: write the value out.");
    if ((node as { anchor?: string }).anchor) throw new Refused(lineOf(node), "YAML anchors (&name) are not accepted: write the value out.");
    const tag = (node as { tag?: string }).tag;
    if (tag && !tag.startsWith("tag:yaml.org,2002:")) throw new Refused(lineOf(node), `The YAML tag ${tag} is not part of ESC definitions.`);
    if (tag && !["tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"].includes(tag)) {
      throw new Refused(lineOf(node), `The YAML tag !!${tag.slice("tag:yaml.org,2002:".length)} is not part of ESC definitions.`);
    }
    if (isMap(node)) {
      const entries: EscEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        if (!isScalar(keyNode) || (typeof keyNode.value !== "string" && typeof keyNode.value !== "number" && typeof keyNode.value !== "boolean")) {
          throw new Refused(lineOf(keyNode ?? node), "Only plain text keys are accepted.");
        }
        if ((keyNode as { anchor?: string }).anchor) throw new Refused(lineOf(keyNode), "YAML anchors (&name) are not accepted: write the value out.");
        const key = String(keyNode.value);
        if (FORBIDDEN_KEYS.has(key)) throw new Refused(lineOf(keyNode), `The key "${key}" is not accepted.`);
        if (key === "<<") throw new Refused(lineOf(keyNode), "YAML merge keys (<<) are not accepted: write the values out.");
        entries.push({ key, line: lineOf(keyNode), value: build(pair.value as YamlNode | null, depth + 1) });
      }
      return { kind: "map", line: lineOf(node), entries };
    }
    if (isSeq(node)) return { kind: "seq", line: lineOf(node), items: node.items.map((item) => build(item as YamlNode, depth + 1)) };
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || typeof value === "string" || typeof value === "boolean") return { kind: "scalar", line: lineOf(node), value };
      if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new Refused(lineOf(node), "Infinite and NaN numbers are not accepted.");
        return { kind: "scalar", line: lineOf(node), value };
      }
      throw new Refused(lineOf(node), "This kind of YAML value is not part of ESC definitions.");
    }
    throw new Refused(lineOf(node), "This kind of YAML node is not part of ESC definitions.");
  };
  try {
    return { root: build(document.contents as YamlNode | null, 0), lines, problems };
  } catch (error) {
    if (error instanceof Refused) return fail(error.line, error.message);
    throw error;
  }
}

/** The entry of a map by key. */
export function entryOf(node: EscNode | undefined, key: string): EscEntry | undefined {
  return node?.kind === "map" ? node.entries.find((e) => e.key === key) : undefined;
}
