"use client";
/**
 * Edits the exported variables (NAME → template) as rows. The server validates the whole set against the
 * environment; each error is shown by the field it is about: `rows.<i>.name|template` from the form's own
 * schema, `exports.<NAME>` from the service (an unknown rotator, value or field in that variable's template).
 */
import { useState, useTransition } from "react";
import { setExportsAction } from "../actions";
import type { ActionResult } from "@/lib/auth/action";
import { ActionMessage } from "@/components/ui/action-message";
import { callAction } from "@/components/ui/action-form";

interface Row {
  /** Stable React key: rows can be removed from the middle. */
  key: number;
  name: string;
  template: string;
}

let nextKey = 0;
const row = (name = "", template = ""): Row => ({ key: nextKey++, name, template });

export function ExportsEditor({ environmentId, exports, references }: { environmentId: string; exports: Record<string, string>; references: string[] }) {
  const [rows, setRows] = useState<Row[]>(() => {
    const saved = Object.entries(exports).map(([name, template]) => row(name, template));
    return saved.length > 0 ? saved : [row()];
  });
  const [state, setState] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  const errors = (state && !state.ok && state.fieldErrors) || {};

  const errorOf = (r: Row, i: number, field: "name" | "template") =>
    errors[`rows.${i}.${field}`] ?? (field === "template" && r.name ? errors[`exports.${r.name.trim()}`] : undefined);
  const update = (key: number, patch: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  return (
    <form
      className="stack"
      aria-label="Exported variables"
      onSubmit={(event) => {
        event.preventDefault();
        startTransition(async () => {
          setState(await callAction(() => setExportsAction(null, { environmentId, rows: rows.map(({ name, template }) => ({ name, template })) })));
        });
      }}
    >
      <datalist id="export-references">
        {references.map((ref) => (
          <option key={ref} value={`\${${ref}}`} />
        ))}
      </datalist>
      {rows.map((r, i) => {
        const nameError = errorOf(r, i, "name");
        const templateError = errorOf(r, i, "template");
        return (
          <div className="row" key={r.key} style={{ alignItems: "start" }} data-testid="export-row">
            <label>
              Variable {i + 1} name
              <input
                className="mono"
                value={r.name}
                onChange={(e) => update(r.key, { name: e.target.value })}
                placeholder="DB_PASSWORD"
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? `export-${r.key}-name-error` : undefined}
                autoComplete="off"
              />
              {nameError && <span id={`export-${r.key}-name-error`} className="field-error">{nameError}</span>}
            </label>
            <label style={{ flex: 1, minWidth: "18rem" }}>
              Variable {i + 1} value
              <input
                className="mono"
                value={r.template}
                onChange={(e) => update(r.key, { template: e.target.value })}
                placeholder="${app-db.current.password}"
                list="export-references"
                aria-invalid={templateError ? true : undefined}
                aria-describedby={templateError ? `export-${r.key}-template-error` : undefined}
                autoComplete="off"
              />
              {templateError && <span id={`export-${r.key}-template-error`} className="field-error">{templateError}</span>}
            </label>
            <button type="button" className="btn btn-small" style={{ marginTop: "1.6rem" }} aria-label={`Remove variable ${i + 1}`} onClick={() => setRows((all) => all.filter((x) => x.key !== r.key))}>
              Remove
            </button>
          </div>
        );
      })}
      {errors.exports && <p className="field-error">{errors.exports}</p>}
      <div className="row">
        <button type="button" className="btn" onClick={() => setRows((all) => [...all, row()])}>Add variable</button>
        <button type="submit" className="btn btn-primary" disabled={pending}>Save exported variables</button>
      </div>
      <ActionMessage state={state} />
    </form>
  );
}
