// The layering rules of the README's "Architecture" section, as an ESLint rule (`rotor/boundaries`), so a
// change that crosses a boundary fails `npm run lint` instead of waiting for a reviewer to notice.
//
// Every import (static, `export … from`, dynamic `import()`, and `import("…")` types) is resolved to a path in
// the repository (`@/x` is the repository root, `./x` and `../x` are relative to the file) and checked:
//
//   1. lib/rotators is the pure rotator library: it imports only its own folder, node and npm packages
//      (its tests may also use test/support, where the contract suite and the test servers live).
//   2. Only lib/db talks to the database: nothing else imports drizzle-orm, and nothing else imports values
//      (tables) from lib/db/schema.ts. Row types may be imported with `import type`: they are erased at build
//      and describe what lib/db/queries return.
//   3. components/ never imports app/: components are the shared pieces routes are built from.
//   4. lib/db imports no upper layer. Of the rest of lib/ it may use only the bottom every layer shares:
//      lib/env.ts (configuration), lib/log.ts (logging), and lib/rotators/types.ts (the rotator type list the
//      `rotators.type` column's enum derives from).
//
// Tests, benches and the end-to-end suite (which seed and inspect the store directly, as a tool would) are
// exempt from rule 2, and tests from rule 4 (a test may wire layers together); rule 1 holds for tests too.
import path from "node:path";

export const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));

const TEST_FILE = /\.test\.tsx?$/;
const TOOLING = [/^test\//, /^e2e\//, /^bench\//, TEST_FILE];

/** The bottom of lib/ that lib/db may use (without extension). */
const DB_MAY_IMPORT = ["lib/env", "lib/log", "lib/rotators/types"];

const within = (rel, folder) => rel === folder || rel.startsWith(`${folder}/`);
const stripExtension = (rel) => rel.replace(/\.(m?[jt]sx?)$/, "").replace(/\/index$/, "");

/** The repository-relative path an import names, or null for a package (or node:) import. */
export function resolveSpecifier(spec, file) {
  let abs;
  if (spec.startsWith("@/")) abs = path.join(ROOT, spec.slice(2));
  else if (spec.startsWith("./") || spec.startsWith("../") || spec === "." || spec === "..") abs = path.resolve(path.dirname(file), spec);
  else return null;
  return stripExtension(path.relative(ROOT, abs).split(path.sep).join("/"));
}

/** Whether `import type …` / `export type …` / every named specifier is `type` (erased at build). */
function isTypeOnly(node) {
  if (node.type === "TSImportType") return true;
  if (node.importKind === "type" || node.exportKind === "type") return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === "type" || s.exportKind === "type");
}

/** The problem with `file` importing `spec`, or null. `file` is repository-relative. */
export function boundaryProblem({ file, spec, typeOnly, absoluteFile }) {
  const target = resolveSpecifier(spec, absoluteFile);
  const isTest = TEST_FILE.test(file);
  const tooling = TOOLING.some((pattern) => pattern.test(file));

  if (within(file, "lib/rotators") && target !== null && !within(target, "lib/rotators")) {
    if (!(isTest && within(target, "test/support"))) {
      return `lib/rotators is the pure rotator library and imports only its own folder, node and npm packages, not ${target}.`;
    }
  }

  if (!within(file, "lib/db") && !tooling) {
    if (spec === "drizzle-orm" || spec.startsWith("drizzle-orm/")) {
      return `Only lib/db talks to the database: move this query into lib/db/queries (this file imports ${spec}).`;
    }
    if (target === "lib/db/schema" && !typeOnly) {
      return "Only lib/db uses the schema's tables: import row types with `import type`, and go through lib/db/queries for data.";
    }
  }

  if (within(file, "components") && target !== null && within(target, "app")) {
    return `components/ never imports app/ (routes are built from components, not the other way round): ${target}.`;
  }

  if (within(file, "lib/db") && !isTest && target !== null && within(target, "lib") && !within(target, "lib/db")) {
    if (!DB_MAY_IMPORT.includes(target)) {
      return `lib/db is the bottom layer and imports no upper layer (only ${DB_MAY_IMPORT.join(", ")}), not ${target}.`;
    }
  }

  return null;
}

const boundaries = {
  meta: {
    type: "problem",
    docs: { description: "The layering rules of the README's Architecture section." },
    schema: [],
  },
  create(context) {
    const absoluteFile = context.filename;
    const file = path.relative(ROOT, absoluteFile).split(path.sep).join("/");
    if (file.startsWith("..")) return {};
    function check(node, source) {
      if (!source || typeof source.value !== "string") return;
      const message = boundaryProblem({ file, spec: source.value, typeOnly: isTypeOnly(node), absoluteFile });
      if (message) context.report({ node: source, message });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === "Literal" ? node.source : null),
      TSImportType: (node) => check(node, node.argument?.type === "TSLiteralType" ? node.argument.literal : node.argument),
    };
  },
};

const plugin = { rules: { boundaries } };
export default plugin;

