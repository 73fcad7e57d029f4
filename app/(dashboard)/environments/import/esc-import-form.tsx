"use client";
/** Paste or upload ESC definitions, preview what would be created (with every problem by file:line), then create. */
import Link from "next/link";
import { useState } from "react";
import { callAction } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/auth/action";
import type { EscImportPreview } from "@/lib/esc/import";
import type { EscProblem } from "@/lib/esc/problems";
import { importEscAction } from "./actions";

interface Draft {
  file: string;
  environment: string;
  content: string;
}

const where = (p: EscProblem) => `${p.file}${p.line ? `:${p.line}` : ""}${p.path ? ` ${p.path}` : ""}`;

function ProblemList({ label, items }: { label: string; items: EscProblem[] }) {
  if (items.length === 0) return null;
  return (
    <section aria-label={label}>
      <h3>{label}</h3>
      <ul>
        {items.map((p, i) => (
          <li key={i}>
            <code>{where(p)}</code>: {p.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PreviewView({ preview }: { preview: EscImportPreview }) {
  const verb = preview.created ? "Created" : "Would create";
  return (
    <section className="card stack" aria-label="Preview">
      <h2>{preview.created ? "Imported" : "Preview"}</h2>
      {preview.logins.length > 0 && (
        <table aria-label="AWS logins">
          <thead><tr><th>{verb} AWS login</th><th>Kind</th><th>From</th></tr></thead>
          <tbody>{preview.logins.map((l) => <tr key={l.name}><td>{l.name}</td><td>{l.kind}</td><td><code>{l.definedIn}</code></td></tr>)}</tbody>
        </table>
      )}
      {preview.connectors.length > 0 && (
        <table aria-label="Connectors">
          <thead><tr><th>{verb} connector</th><th>Mode</th><th>Function</th><th>Login</th></tr></thead>
          <tbody>{preview.connectors.map((c) => <tr key={c.name}><td>{c.name}</td><td>{c.mode === "esc" ? "Pulumi ESC-compatible" : c.mode}</td><td><code>{c.functionArn}</code></td><td>{c.login}</td></tr>)}</tbody>
        </table>
      )}
      {preview.environments.map((env) => (
        <div key={env.name} className="stack">
          <h3>{verb} environment {env.name} <span className="muted">(from {env.file})</span></h3>
          <table aria-label={`Contents of ${env.name}`}>
            <thead><tr><th>Kind</th><th>Name</th><th>Details</th></tr></thead>
            <tbody>
              {env.values.map((v) => (
                <tr key={`v-${v.key}`}><td>value</td><td>{v.key}</td><td>{v.secret ? "secret" : v.value}{v.copiedFrom ? ` (copied from ${v.copiedFrom})` : ""}</td></tr>
              ))}
              {env.rotators.map((r) => (
                <tr key={`r-${r.name}`}>
                  <td>rotator</td>
                  <td>{r.name}</td>
                  <td>
                    {r.type}
                    {r.login ? `, login ${r.login}` : ""}
                    {r.connector ? `, connector ${r.connector}` : ""}
                    {r.state.current ? `, state imported (${r.state.previous ? "current and previous" : "current"})` : ""}
                  </td>
                </tr>
              ))}
              {Object.entries(env.exports).map(([name, template]) => (
                <tr key={`e-${name}`}><td>exported variable</td><td>{name}</td><td><code>{template}</code></td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <ProblemList label="Problems" items={preview.problems} />
      <ProblemList label="Notes" items={preview.notes} />
    </section>
  );
}

export function EscImportForm() {
  const [drafts, setDrafts] = useState<Draft[]>([{ file: "", environment: "", content: "" }]);
  const [preview, setPreview] = useState<EscImportPreview | null>(null);
  const [previewed, setPreviewed] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ error: string; fieldErrors?: Record<string, string> } | null>(null);
  const [pending, setPending] = useState(false);
  const current = JSON.stringify(drafts);

  const update = (i: number, patch: Partial<Draft>) => setDrafts((all) => all.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const upload = async (i: number, file: File | undefined) => {
    if (!file) return;
    update(i, { content: await file.text(), file: drafts[i].file || file.name });
  };

  const run = async (dryRun: boolean) => {
    setPending(true);
    setFailure(null);
    const result = (await callAction(() => importEscAction(null, { files: drafts, dryRun }))) as ActionResult<EscImportPreview>;
    setPending(false);
    if (!result.ok) {
      setFailure({ error: result.error, fieldErrors: result.fieldErrors });
      if (dryRun) setPreview(null);
      return;
    }
    setPreview(result.data);
    setPreviewed(dryRun ? current : null);
  };

  const canCreate = Boolean(preview && preview.ok && !preview.created && previewed === current);
  return (
    <div className="stack">
      <form className="stack" aria-label="ESC definitions" onSubmit={(e) => { e.preventDefault(); void run(true); }}>
        {drafts.map((draft, i) => (
          <fieldset key={i} className="card stack">
            <legend>File {i + 1}</legend>
            <label>
              File name
              <input name={`files.${i}.file`} value={draft.file} placeholder="managingCredentials.yaml" onChange={(e) => update(i, { file: e.target.value })} required />
            </label>
            <label>
              Environment name (default: the file name without .yaml)
              <input name={`files.${i}.environment`} value={draft.environment} placeholder="rotatorExample/db" onChange={(e) => update(i, { environment: e.target.value })} />
            </label>
            <label>
              Definition (YAML)
              <textarea name={`files.${i}.content`} rows={12} value={draft.content} spellCheck={false} onChange={(e) => update(i, { content: e.target.value })} required />
            </label>
            <label>
              Or upload a file
              <input type="file" accept=".yaml,.yml,text/yaml" onChange={(e) => void upload(i, e.target.files?.[0])} />
            </label>
            {drafts.length > 1 && <button type="button" className="btn" onClick={() => setDrafts((all) => all.filter((_, j) => j !== i))}>Remove file {i + 1}</button>}
            {Object.entries(failure?.fieldErrors ?? {}).filter(([k]) => k.startsWith(`files.${i}.`)).map(([k, message]) => <p key={k} className="alert alert-error">{message}</p>)}
          </fieldset>
        ))}
        <div className="row">
          <button type="button" className="btn" onClick={() => setDrafts((all) => [...all, { file: "", environment: "", content: "" }])}>Add another file</button>
          <button type="submit" className="btn btn-primary" disabled={pending}>Preview</button>
          <button type="button" className="btn btn-primary" disabled={pending || !canCreate} onClick={() => void run(false)}>Create</button>
        </div>
        {preview && !preview.created && previewed !== current && <p className="muted" role="status">The files changed since the preview: preview again before creating.</p>}
      </form>
      {failure && (
        <div className="alert alert-error" role="alert">
          <p>{failure.error}</p>
          {failure.fieldErrors && (
            <ul>{Object.entries(failure.fieldErrors).filter(([k]) => !k.startsWith("files.")).map(([k, m]) => <li key={k}><code>{k}</code>: {m}</li>)}</ul>
          )}
        </div>
      )}
      {preview?.created && (
        <p className="alert alert-ok" role="status">
          Imported {preview.environments.map((e) => e.name).join(", ")}. <Link href="/environments">Open the environments</Link>.
        </p>
      )}
      {preview && <PreviewView preview={preview} />}
    </div>
  );
}
