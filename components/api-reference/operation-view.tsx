/** One API operation: method and path, what it needs, its parameters, request body and responses. */
import { Fragment } from "react";
import type { Operation } from "./types";
import { SchemaDetails, SchemaView, TypeLabel } from "./schema-view";

/** Descriptions use `code` spans; everything else is plain text (React escapes it). */
export function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split("\n\n").map((paragraph, i) => (
        <p key={i}>
          {paragraph.split("`").map((part, j) => (j % 2 === 1 ? <code key={j}>{part}</code> : <Fragment key={j}>{part}</Fragment>))}
        </p>
      ))}
    </>
  );
}

/** The description without its generated "Needs: …" paragraph: the page shows that from x-rotor-access. */
function descriptionOf(operation: Operation): string {
  const paragraphs = (operation.description ?? "").split("\n\n");
  if (operation["x-rotor-access"] !== undefined) paragraphs.pop();
  return paragraphs.join("\n\n");
}

function Access({ operation }: { operation: Operation }) {
  const access = operation["x-rotor-access"];
  if (!access) return <p data-testid="operation-access"><strong>Needs:</strong> no token.</p>;
  return (
    <p data-testid="operation-access">
      <strong>Needs:</strong> a personal token of a user with the <strong>{access.role}</strong> role (or higher), or a service token with scope{" "}
      {access.scopes.map((scope, i) => (
        <Fragment key={scope}>{i > 0 && " or "}<code>{scope}</code></Fragment>
      ))}
      .
    </p>
  );
}

export const operationAnchor = (operationId: string) => `op-${operationId}`;

export function OperationView({ method, path, operation }: { method: string; path: string; operation: Operation }) {
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody?.content;
  return (
    <section className="card" id={operationAnchor(operation.operationId)} aria-label={`${method.toUpperCase()} ${path}`}>
      <h3 className="row" style={{ margin: 0 }}>
        <span className={`method method-${method}`}>{method.toUpperCase()}</span>
        <code>{path}</code>
        <span style={{ fontWeight: 400 }}>{operation.summary}</span>
      </h3>
      <Prose text={descriptionOf(operation)} />
      <Access operation={operation} />

      {parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <table aria-label={`Parameters of ${operation.operationId}`}>
            <thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead>
            <tbody>
              {parameters.map((p) => (
                <tr key={`${p.in}:${p.name}`}>
                  <td><code>{p.name}</code>{p.required && <span className="badge badge-neutral">required</span>}</td>
                  <td>{p.in}</td>
                  <td>{p.schema ? <TypeLabel schema={p.schema} /> : null}</td>
                  <td>{p.schema ? <SchemaDetails schema={{ ...p.schema, description: p.description ?? p.schema.description }} /> : p.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {body && (
        <>
          <h4>Request body</h4>
          {Object.entries(body).map(([type, media]) => (
            <div key={type}>
              <p className="muted mono">{type}</p>
              {media.schema && <SchemaView schema={media.schema} />}
            </div>
          ))}
        </>
      )}

      <h4>Responses</h4>
      <dl className="responses">
        {Object.entries(operation.responses).map(([status, response]) => (
          <Fragment key={status}>
            <dt><span className={`status status-${status[0]}xx`}>{status}</span></dt>
            <dd>
              {response.description}
              {response.headers && (
                <ul>
                  {Object.entries(response.headers).map(([name, header]) => (
                    <li key={name}><code>{name}</code> header{header.description ? `: ${header.description}` : ""}</li>
                  ))}
                </ul>
              )}
              {response.content &&
                Object.entries(response.content).map(([type, media]) => (
                  <div key={type}>
                    <span className="muted mono">{type}</span> {media.schema && <SchemaView schema={media.schema} />}
                  </div>
                ))}
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}
