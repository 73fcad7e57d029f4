/**
 * Reading an evaluated ESC map field by field, so that what a mapping does not read is reported (with its line)
 * instead of silently dropped: an input Rotor does not know is an error, never a lost setting.
 */
import type { EscValue } from "./evaluate";

export interface ReaderIssue {
  line: number;
  path: string;
  message: string;
}

export class EscReader {
  private readonly used = new Set<string>();
  readonly issues: ReaderIssue[] = [];

  constructor(
    readonly root: EscValue | undefined,
    /** Printed before every path, e.g. `values.db.inputs`. */
    readonly base: string,
    readonly fallbackLine: number,
  ) {
    this.used.add("");
  }

  private at(path: string): EscValue | undefined {
    let node = this.root;
    for (const key of path ? path.split(".") : []) {
      if (!node || node.kind !== "map") return undefined;
      node = node.entries.get(key);
    }
    return node;
  }

  private full(path: string) {
    return [this.base, path].filter(Boolean).join(".");
  }

  private issue(path: string, message: string, value?: EscValue) {
    this.issues.push({ line: value?.source.line ?? this.fallbackLine, path: this.full(path), message });
  }

  /** The raw value (marked as read with everything under it). */
  value(path: string): EscValue | undefined {
    const value = this.at(path);
    if (value) this.markAll(path, value);
    return value;
  }

  private markAll(path: string, value: EscValue) {
    this.used.add(path);
    if (value.kind === "map") for (const [key, child] of value.entries) this.markAll(path ? `${path}.${key}` : key, child);
  }

  text(path: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.at(path);
    this.used.add(path);
    if (!value) {
      if (options.required) this.issue(path, `${this.full(path)} is required`);
      return undefined;
    }
    if (value.kind !== "scalar" || value.value === null || typeof value.value === "boolean") {
      this.issue(path, `${this.full(path)} must be text`, value);
      return undefined;
    }
    return String(value.value);
  }

  number(path: string): number | undefined {
    const value = this.at(path);
    this.used.add(path);
    if (!value) return undefined;
    const n = value.kind === "scalar" && typeof value.value === "number" ? value.value : value.kind === "scalar" && typeof value.value === "string" && /^\d+$/.test(value.value) ? Number(value.value) : NaN;
    if (Number.isNaN(n)) {
      this.issue(path, `${this.full(path)} must be a number`, value);
      return undefined;
    }
    return n;
  }

  boolean(path: string): boolean | undefined {
    const value = this.at(path);
    this.used.add(path);
    if (!value) return undefined;
    if (value.kind !== "scalar" || typeof value.value !== "boolean") {
      this.issue(path, `${this.full(path)} must be true or false`, value);
      return undefined;
    }
    return value.value;
  }

  list(path: string): string[] | undefined {
    const value = this.at(path);
    this.used.add(path);
    if (!value) return undefined;
    if (value.kind !== "seq" || value.items.some((item) => item.kind !== "scalar")) {
      this.issue(path, `${this.full(path)} must be a list of text values`, value);
      return undefined;
    }
    return value.items.map((item) => String((item as { value: unknown }).value));
  }

  /**
   * Plain data (maps, lists, scalars) as JSON, for inputs that are arbitrary objects (the external rotator's
   * `request`). Refuses secrets when `noSecrets` names where they would end up stored in clear.
   */
  json(path: string, options: { noSecrets?: string } = {}): unknown {
    const value = this.value(path);
    if (!value) return undefined;
    const convert = (node: EscValue, at: string): unknown => {
      if (node.kind === "scalar") {
        if (node.secret && options.noSecrets) this.issue(at, `${this.full(at)} is a secret, but ${options.noSecrets}`, node);
        return node.value;
      }
      if (node.kind === "seq") return node.items.map((item, i) => convert(item, `${at}.${i}`));
      if (node.kind === "map") return Object.fromEntries([...node.entries].map(([key, child]) => [key, convert(child, `${at}.${key}`)]));
      this.issue(at, `${this.full(at)} must be plain data, not an AWS login`, node);
      return undefined;
    };
    return convert(value, path);
  }

  /** Marks the map at `path` as read (its children are read one by one). */
  map(path: string): boolean {
    const value = this.at(path);
    this.used.add(path);
    if (value && value.kind !== "map") this.issue(path, `${this.full(path)} must be a map`, value);
    return value?.kind === "map";
  }

  /** Reports every field that was there but not read. */
  finish(what: string): ReaderIssue[] {
    const walk = (path: string, value: EscValue) => {
      if (!this.used.has(path)) {
        this.issue(path, `${this.full(path)} is not ${what}`, value);
        return;
      }
      if (value.kind === "map") for (const [key, child] of value.entries) walk(path ? `${path}.${key}` : key, child);
    };
    if (this.root) walk("", this.root);
    return this.issues;
  }
}
