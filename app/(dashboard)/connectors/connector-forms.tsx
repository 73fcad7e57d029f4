"use client";
import { ConfirmDeleteForm } from "@/components/ui/confirm-delete-form";
import { CheckButton } from "@/components/ui/check-button";
/** Forms of the Connectors pages. The signing secret appears once, right after it is generated. */
import { useState, useTransition } from "react";
import { callAction, useActionForm } from "@/components/ui/action-form";
import Link from "next/link";
import type { ActionResult } from "@/lib/auth/action";
import { ActionMessage } from "@/components/ui/action-message";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field } from "@/components/ui/field";
import type { ConnectorMode } from "@/lib/connectors/validation";
import { CopyBlock } from "@/components/ui/copy-block";
import { createConnectorAction, deleteConnectorAction, regenerateConnectorSecretAction, testConnectorAction, updateConnectorAction } from "./actions";

type State = ActionResult<unknown> | null;
type SecretResult = { id: string; name: string; secret: string | null };

export interface LoginChoice {
  id: string;
  name: string;
  kind: string;
}

export type ConnectorFormMode =
  | { kind: "create" }
  | { kind: "edit"; connectorId: string; name: string; mode: ConnectorMode; functionArn: string; region: string; loginProviderId: string | null };

/** Shown once: the secret the Lambda needs as ROTOR_CONNECTOR_SECRET. */
export function SecretOnce({ secret }: { secret: string }) {
  return (
    <div className="alert alert-info stack" role="status" data-testid="connector-secret">
      <strong>Copy the signing secret now: it is shown only this once.</strong>
      <span>Set it as <code>ROTOR_CONNECTOR_SECRET</code> in the Lambda&apos;s environment. Rotor keeps it encrypted and never shows it again.</span>
      <CopyBlock label="Connector secret" text={secret} />
    </div>
  );
}

export function ConnectorForm({ mode, logins }: { mode: ConnectorFormMode; logins: LoginChoice[] }) {
  const editing = mode.kind === "edit";
  const { state, formAction: action, pending, kept } = useActionForm<State>(editing ? updateConnectorAction : createConnectorAction, null);
  const [connectorMode, setConnectorMode] = useState<ConnectorMode>(editing ? mode.mode : "rotor");
  const errors = (state && !state.ok && state.fieldErrors) || {};
  const created = state?.ok ? (state.data as SecretResult) : null;
  return (
    <div className="stack">
      {created?.secret && <SecretOnce secret={created.secret} />}
      {created && !editing && (
        <p>
          <Link href={`/connectors/${created.id}`}>Open {created.name}</Link> for its deployment guide and to test it.
        </p>
      )}
      <form action={action} className="stack" aria-label={editing ? "Edit connector" : "Add connector"}>
        <ActionMessage state={state} />
        {editing && <input type="hidden" name="connectorId" value={mode.connectorId} />}
        <Field label="Name" name="name" required defaultValue={kept("name") ?? (editing ? mode.name : "")} error={errors.name} />
        <label>
          Handler
          <select name="mode" value={connectorMode} onChange={(e) => setConnectorMode(e.target.value as ConnectorMode)}>
            <option value="rotor">Rotor connector (signed requests, TLS, verifies from inside)</option>
            <option value="esc">Pulumi ESC-compatible connector (cannot verify)</option>
          </select>
          {connectorMode === "esc" && (
            <span className="muted" style={{ fontWeight: 400, fontSize: ".8rem" }}>
              An existing ESC rotation-connector Lambda. It does not authenticate requests beyond IAM and cannot log in, so every rotation&apos;s verify step is skipped.
            </span>
          )}
        </label>
        <Field
          label="Function ARN"
          name="functionArn"
          required
          placeholder="arn:aws:lambda:us-east-1:123456789012:function:rotor-connector"
          defaultValue={kept("functionArn") ?? (editing ? mode.functionArn : "")}
          error={errors.functionArn}
        />
        <Field label="Region" name="region" required defaultValue={kept("region") ?? (editing ? mode.region : "us-east-1")} error={errors.region} />
        <label>
          Login (invokes the function)
          <select name="loginProviderId" defaultValue={kept("loginProviderId") ?? (editing ? (mode.loginProviderId ?? "") : (logins[0]?.id ?? ""))} aria-invalid={errors.loginProviderId ? true : undefined}>
            {logins.length === 0 && <option value="">Add a login first</option>}
            {logins.map((l) => (
              <option key={l.id} value={l.id}>{l.name} ({l.kind})</option>
            ))}
          </select>
          {errors.loginProviderId && <span className="field-error">{errors.loginProviderId}</span>}
        </label>
        <button className="btn btn-primary" type="submit" disabled={pending || logins.length === 0}>{editing ? "Save" : "Add connector"}</button>
      </form>
    </div>
  );
}

export function TestConnectorButton({ connectorId }: { connectorId: string }) {
  return <CheckButton label="Test connector" okText="Connector works." testId="connector-test-result" run={() => testConnectorAction(null, { connectorId })} />;
}

export function RegenerateSecretButton({ connectorId }: { connectorId: string }) {
  const [state, setState] = useState<State>(null);
  const [pending, startTransition] = useTransition();
  const secret = state?.ok ? (state.data as { secret: string }).secret : null;
  return (
    <div className="stack">
      <ConfirmButton
        label="Generate a new secret"
        title="Replace the connector's signing secret?"
        confirmLabel="Generate"
        className="btn"
        disabled={pending}
        onConfirm={() => startTransition(async () => setState(await callAction(() => regenerateConnectorSecretAction(null, { connectorId }))))}
      >
        <p>
          The Lambda refuses Rotor&apos;s requests until its ROTOR_CONNECTOR_SECRET is updated. To change it without a gap, set both secrets on the Lambda
          (comma-separated) first.
        </p>
      </ConfirmButton>
      {secret ? <SecretOnce secret={secret} /> : <ActionMessage state={state} />}
    </div>
  );
}

export function DeleteConnectorForm({ connectorId, name }: { connectorId: string; name: string }) {
  return (
    <ConfirmDeleteForm what="connector" name={name} idField="connectorId" id={connectorId} action={deleteConnectorAction} />
  );
}
