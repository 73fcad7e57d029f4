// `rotor/no-cycle`: no import cycles in lib/, between files and between concept folders.
//
// A folder is a node: lib/<concept>/ (everything under it), or one top-level file (lib/env.ts is "lib/env").
// An import from folder A into folder B is reported when B already reaches A (through any files), because
// then neither folder can be read, tested or moved without the other. File cycles inside one folder are
// reported too (a cycle makes load order, and so behaviour, depend on which module is imported first).
//
// The graph is every import and `export … from` in lib/'s non-test sources (type-only imports included:
// they are a dependency a reader has to follow too), read once per lint run with the same resolution as
// rotor/boundaries. Tests may import across folders freely; they are not part of the graph.
import fs from "node:fs";
import path from "node:path";
import { ROOT, resolveSpecifier } from "./boundaries.mjs";

const SOURCE = /\.(ts|tsx)$/;
const TEST_FILE = /\.test\.tsx?$/;
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^;"'`]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

const folderOf = (rel) => {
  const parts = rel.split("/");
  return parts.length === 2 ? rel : `${parts[0]}/${parts[1]}`;
};

function sourceFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (SOURCE.test(entry.name) && !TEST_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

/** A module path without extension, as an existing file's path (x.ts, x.tsx or x/index.ts), or null. */
function moduleFile(target) {
  for (const candidate of [`${target}.ts`, `${target}.tsx`, `${target}/index.ts`, target]) {
    if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return candidate;
  }
  return null;
}

let graph = null;

/** { files: Map<file, Set<file>>, folders: Map<folder, Set<folder>> } for lib/, built once per process. */
function libGraph() {
  if (graph) return graph;
  const files = new Map();
  const folders = new Map();
  for (const abs of sourceFiles(path.join(ROOT, "lib"))) {
    const rel = path.relative(ROOT, abs).split(path.sep).join("/");
    const edges = new Set();
    for (const match of fs.readFileSync(abs, "utf8").matchAll(IMPORT)) {
      const target = resolveSpecifier(match[1] ?? match[2], abs);
      const file = target && target.startsWith("lib/") ? moduleFile(target) : null;
      if (file && file !== rel) edges.add(file);
    }
    files.set(rel, edges);
    const from = folderOf(rel);
    if (!folders.has(from)) folders.set(from, new Set());
    for (const file of edges) if (folderOf(file) !== from) folders.get(from).add(folderOf(file));
  }
  graph = { files, folders };
  return graph;
}

/** The shortest path from `start` to `goal` in `edges`, or null. */
function pathBetween(edges, start, goal) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    if (node === goal) {
      const steps = [];
      for (let n = goal; n !== null; n = previous.get(n)) steps.unshift(n);
      return steps;
    }
    for (const next of edges.get(node) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return null;
}

const noCycle = {
  meta: {
    type: "problem",
    docs: { description: "No import cycles between lib/ concept folders, nor between files." },
    schema: [],
  },
  create(context) {
    const absoluteFile = context.filename;
    const file = path.relative(ROOT, absoluteFile).split(path.sep).join("/");
    if (!file.startsWith("lib/") || TEST_FILE.test(file) || !SOURCE.test(file)) return {};
    function check(source) {
      if (!source || typeof source.value !== "string") return;
      const target = resolveSpecifier(source.value, absoluteFile);
      const imported = target && target.startsWith("lib/") ? moduleFile(target) : null;
      if (!imported || imported === file) return;
      const { files, folders } = libGraph();
      const [from, to] = [folderOf(file), folderOf(imported)];
      if (from !== to) {
        const back = pathBetween(folders, to, from);
        if (back) context.report({ node: source, message: `${from} → ${to} closes a folder cycle: ${back.join(" → ")}.` });
        return;
      }
      const back = pathBetween(files, imported, file);
      if (back) context.report({ node: source, message: `Import cycle: ${[file, ...back].join(" → ")}.` });
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source.type === "Literal" ? node.source : null),
    };
  },
};

const plugin = { rules: { "no-cycle": noCycle } };
export default plugin;
