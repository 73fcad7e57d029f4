"use client";
/**
 * Creating a token (shown once, with a copy button, held only in this component's state: it is gone when
 * the page is left) and revoking one after a confirmation.
 */
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { createTokenAction, revokeTokenAction } from "./actions";
import type { ActionResult } from "@/lib/auth/action";
import { ActionMessage } from "@/components/ui/action-message";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { CopyBlock } from "@/components/ui/copy-block";
import { callAction } from "@/components/ui/action-form";

type Created = { token: string; view: { name: string; kind: string; scope: string | null; environments: string[] | "*" } };

export function CreateTokenForm({
  canCreateService,
  environments,
  scopes,
  apiUrl,
}: {
  canCreateService: boolean;
  environments: string[];
  scopes: { value: string; description: string }[];
  apiUrl: string;
}) {
  const [kind, setKind] = useState<"personal" | "service">("personal");
  const [name, setName] = useState("");
  const [scope, setScope] = useState("read");
  const [allEnvironments, setAllEnvironments] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [expiresAt, setExpiresAt] = useState("");
  const [state, setState] = useState<ActionResult<unknown> | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [pending, startTransition] = useTransition();
  const errors = (state && !state.ok && state.fieldErrors) || {};
  const service = kind === "service";

  return (
    <div className="stack">
      <form
        className="stack"
        aria-label="Create token"
        onSubmit={(event) => {
          event.preventDefault();
          startTransition(async () => {
            setCreated(null);
            const input = service ? { kind, name, scope, environments: allEnvironments ? "*" : chosen, expiresAt } : { kind, name, expiresAt };
            const result = await callAction(() => createTokenAction(null, input));
            setState(result);
            if (result.ok) {
              setCreated(result.data as Created);
              setName("");
            }
          });
        }}
      >
        {canCreateService && (
          <fieldset className="row" style={{ border: 0, padding: 0 }}>
            <legend>Kind</legend>
            <label className="row" style={{ display: "flex" }}>
              <input type="radio" name="kind" checked={!service} onChange={() => setKind("personal")} /> Personal (acts as you)
            </label>
            <label className="row" style={{ display: "flex" }}>
              <input type="radio" name="kind" checked={service} onChange={() => setKind("service")} /> Service (for an application)
            </label>
          </fieldset>
        )}
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder={service ? "billing-api production" : "my laptop"} aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? "token-name-error" : undefined} />
          {errors.name && <span id="token-name-error" className="field-error">{errors.name}</span>}
        </label>
        {service && (
          <>
            <label>
              Scope
              <select value={scope} onChange={(e) => setScope(e.target.value)} aria-describedby="token-scope-hint">
                {scopes.map((s) => (
                  <option key={s.value} value={s.value}>{s.value} — {s.description}</option>
                ))}
              </select>
              {errors.scope && <span className="field-error">{errors.scope}</span>}
            </label>
            <fieldset style={{ border: 0, padding: 0 }} aria-describedby={errors.environments ? "token-environments-error" : undefined}>
              <legend>Environments</legend>
              <label className="row" style={{ display: "flex" }}>
                <input type="checkbox" checked={allEnvironments} onChange={(e) => setAllEnvironments(e.target.checked)} /> All environments (also those created later)
              </label>
              {!allEnvironments &&
                (environments.length === 0 ? (
                  <p className="muted">There are no environments yet.</p>
                ) : (
                  <div className="row">
                    {environments.map((environment) => (
                      <label key={environment} className="row" style={{ display: "flex" }}>
                        <input
                          type="checkbox"
                          checked={chosen.includes(environment)}
                          onChange={(e) => setChosen((all) => (e.target.checked ? [...all, environment] : all.filter((x) => x !== environment)))}
                        />{" "}
                        <span className="mono">{environment}</span>
                      </label>
                    ))}
                  </div>
                ))}
              {errors.environments && <span id="token-environments-error" className="field-error">{errors.environments}</span>}
            </fieldset>
          </>
        )}
        <label>
          Expires on (optional; the end of that day, UTC)
          <input type="date" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} aria-invalid={errors.expiresAt ? true : undefined} aria-describedby={errors.expiresAt ? "token-expiry-error" : undefined} />
          {errors.expiresAt && <span id="token-expiry-error" className="field-error">{errors.expiresAt}</span>}
        </label>
        <div>
          <button className="btn btn-primary" type="submit" disabled={pending}>Create token</button>
        </div>
        {state && !state.ok && <ActionMessage state={state} />}
      </form>
      {created && (
        <div className="alert alert-ok stack" role="status" data-testid="new-token">
          <p style={{ margin: 0 }}>
            Created <strong>{created.view.name}</strong>. Copy the token now: Rotor keeps only its hash and will not show it again.
          </p>
          <CopyBlock label="New token" text={created.token} />
          <p className="muted" style={{ margin: 0 }}>
            Use it as <code>Authorization: Bearer …</code> against <code>{apiUrl}</code>, or <code>ROTOR_URL=… ROTOR_TOKEN=… rotor env open &lt;environment&gt;</code>.
          </p>
          <div>
            <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>I have copied it</button>
          </div>
        </div>
      )}
    </div>
  );
}

export function RevokeTokenButton({ tokenId, name }: { tokenId: string; name: string }) {
  const [state, setState] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <div>
      <ConfirmButton
        label="Revoke"
        title={`Revoke ${name}?`}
        confirmLabel="Revoke token"
        className="btn btn-small btn-danger"
        disabled={pending}
        onConfirm={() =>
          startTransition(async () => {
            const result = await callAction(() => revokeTokenAction(null, { tokenId }));
            setState(result);
            if (result.ok) router.refresh();
          })
        }
      >
        <p>Every request with this token is refused from now on. This cannot be undone; create a new token to replace it.</p>
      </ConfirmButton>
      {state && !state.ok && <ActionMessage state={state} />}
    </div>
  );
}
