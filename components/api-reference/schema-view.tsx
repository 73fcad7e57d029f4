/**
 * A JSON Schema (as zod-openapi writes it) as a readable tree: each property with its type, whether it is
 * required, its limits and description. References link to the schema's own entry on the page instead of
 * being expanded again, so recursive and shared shapes stay short.
 */
import type { ReactNode } from "react";
import type { JsonSchema } from "./types";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export const schemaAnchor = (name: string) => `schema-${name}`;
const refName = (ref: string) => ref.replace(/^#\/components\/schemas\//, "");

function variants(schema: JsonSchema): JsonSchema[] | undefined {
  return schema.oneOf ?? schema.anyOf;
}

const isNull = (s: JsonSchema) => s.type === "null";

/** Worth a nested list: an object with properties, or alternatives of which one is. */
function hasChildren(schema: JsonSchema): boolean {
  if (schema.properties && Object.keys(schema.properties).length > 0) return true;
  if (schema.items) return hasChildren(schema.items);
  const alternatives = variants(schema);
  return Boolean(alternatives?.some((v) => !isNull(v) && hasChildren(v)));
}

export function TypeLabel({ schema }: { schema: JsonSchema }): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return <a href={`#${schemaAnchor(name)}`} className="mono">{name}</a>;
  }
  if (schema.const !== undefined) return <code>{JSON.stringify(schema.const)}</code>;
  if (schema.enum) return <code>{schema.enum.map((v) => JSON.stringify(v)).join(" | ")}</code>;
  const alternatives = variants(schema);
  if (alternatives) {
    return (
      <>
        {alternatives.map((v, i) => (
          <span key={i}>
            {i > 0 && " or "}
            <TypeLabel schema={v} />
          </span>
        ))}
      </>
    );
  }
  if (schema.type === "array" && schema.items) return <>array of <TypeLabel schema={schema.items} /></>;
  if (schema.type === "object" && !schema.properties && typeof schema.additionalProperties === "object") {
    return <>map of <TypeLabel schema={schema.additionalProperties} /></>;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  return <span className="mono">{schema.format ? `${type} (${schema.format})` : type}</span>;
}

function limits(schema: JsonSchema): string[] {
  const out: string[] = [];
  if (schema.minLength !== undefined && schema.minLength > 0) out.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) out.push(`at most ${schema.maxLength} characters`);
  if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < MAX_SAFE) out.push(`≤ ${schema.maximum}`);
  if (schema.minItems !== undefined && schema.minItems > 0) out.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems} items`);
  // A format (date-time, uuid) already says what its long generated pattern checks.
  if (schema.pattern && !schema.format) out.push(`matches ${schema.pattern}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

export function SchemaDetails({ schema }: { schema: JsonSchema }) {
  const notes = limits(schema);
  return (
    <>
      {schema.description && <span> — {schema.description}</span>}
      {notes.length > 0 && <span className="muted"> ({notes.join(", ")})</span>}
    </>
  );
}

/** The children of a schema: its properties, its items' properties, or each alternative. */
export function SchemaTree({ schema, depth = 0 }: { schema: JsonSchema; depth?: number }): ReactNode {
  if (depth > 6) return null;
  if (schema.items && !schema.properties) return <SchemaTree schema={schema.items} depth={depth} />;
  const alternatives = variants(schema);
  if (alternatives && !schema.properties) {
    const shown = alternatives.filter((v) => !isNull(v) && hasChildren(v));
    return (
      <ul className="schema-tree">
        {shown.map((v, i) => (
          <li key={i}>
            <span className="muted">one of {i + 1}/{shown.length}:</span> <TypeLabel schema={v} />
            <SchemaTree schema={v} depth={depth + 1} />
          </li>
        ))}
      </ul>
    );
  }
  if (!schema.properties) return null;
  const required = new Set(schema.required ?? []);
  return (
    <ul className="schema-tree">
      {Object.entries(schema.properties).map(([name, property]) => (
        <li key={name}>
          <code>{name}</code>
          {required.has(name) ? <span className="badge badge-neutral">required</span> : null} <TypeLabel schema={property} />
          <SchemaDetails schema={property} />
          {hasChildren(property) && <SchemaTree schema={property} depth={depth + 1} />}
        </li>
      ))}
    </ul>
  );
}

/** A schema with its type on the first line and its tree below. */
export function SchemaView({ schema }: { schema: JsonSchema }) {
  return (
    <div>
      <TypeLabel schema={schema} />
      <SchemaDetails schema={schema} />
      {hasChildren(schema) && <SchemaTree schema={schema} />}
    </div>
  );
}
