import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getOpenApiDocument } from "@/lib/api/routes/meta";
import { HTTP_METHODS, type OpenApiDocument, type Operation } from "@/components/api-reference/types";
import { OperationView, Prose, operationAnchor } from "@/components/api-reference/operation-view";
import { SchemaView, schemaAnchor } from "@/components/api-reference/schema-view";

export const metadata = { title: "API reference" };

/** Operations grouped by tag, in the document's order. */
function byTag(document: OpenApiDocument) {
  const groups = new Map<string, { method: string; path: string; operation: Operation }[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = operations[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? "Other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, operation });
    }
  }
  return groups;
}

/** The REST API's OpenAPI document (GET /api/v1/openapi.json) rendered on the server: no script, no CDN. */
export default async function ApiReferencePage() {
  await connection();
  await requirePageUser("viewer");
  const document = getOpenApiDocument() as unknown as OpenApiDocument;
  const groups = byTag(document);
  const schemas = Object.entries(document.components?.schemas ?? {});
  return (
    <>
      <div className="spread">
        <h1>API reference</h1>
        <div className="row">
          <a className="btn" href="/api/v1/openapi.json">openapi.json</a>
          <Link className="btn" href="/settings/tokens">API tokens</Link>
        </div>
      </div>
      {document.info.description && <Prose text={document.info.description} />}
      <p>
        Base URL: <code>{document.servers?.[0]?.url}</code> · OpenAPI {document.openapi} · version {document.info.version}
      </p>

      <nav aria-label="Operations" className="card">
        {[...groups].map(([tag, operations]) => (
          <div key={tag}>
            <a href={`#tag-${tag}`}><strong>{tag}</strong></a>
            <ul>
              {operations.map(({ method, path, operation }) => (
                <li key={operation.operationId}>
                  <a href={`#${operationAnchor(operation.operationId)}`}>
                    <span className={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
                  </a>{" "}
                  <span className="muted">{operation.summary}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
        <a href="#schemas"><strong>Schemas</strong></a>
      </nav>

      {[...groups].map(([tag, operations]) => (
        <section key={tag} aria-label={tag}>
          <h2 id={`tag-${tag}`}>{tag}</h2>
          {operations.map(({ method, path, operation }) => (
            <OperationView key={operation.operationId} method={method} path={path} operation={operation} />
          ))}
        </section>
      ))}

      <h2 id="schemas">Schemas</h2>
      {schemas.map(([name, schema]) => (
        <section key={name} className="card" id={schemaAnchor(name)} aria-label={`Schema ${name}`}>
          <h3 style={{ margin: 0 }}><code>{name}</code></h3>
          <SchemaView schema={schema} />
        </section>
      ))}
    </>
  );
}
