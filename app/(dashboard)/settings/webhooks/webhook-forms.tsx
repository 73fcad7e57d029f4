"use client";
import { useMemo, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { createWebhookSchema, updateWebhookSchema, WEBHOOK_FORMATS } from "@/lib/webhooks/validation";
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_HELP, type WebhookEvent } from "@/lib/webhooks/event-types";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { callAction } from "@/components/ui/action-form";
import { CopyButton } from "@/components/ui/copy";
import {
  createWebhookAction,
  deleteWebhookAction,
  renewWebhookSecretAction,
  retirePreviousWebhookSecretAction,
  sendTestWebhookAction,
  setWebhookEnabledAction,
  updateWebhookAction,
} from "./actions";

type Result = { ok: boolean; error?: string; message?: string; fieldErrors?: Record<string, string>; data?: unknown };

export interface WebhookFormValues {
  name: string;
  url: string;
  environmentId: string;
  events: WebhookEvent[];
  format: (typeof WEBHOOK_FORMATS)[number];
}

const DEFAULTS: WebhookFormValues = { name: "", url: "", environmentId: "", events: ["rotation.failed", "rotation.recovered", "rotation.overdue"], format: "json" };

function SecretOnce({ secret }: { secret: string }) {
  const code = useRef<HTMLElement>(null);
  return (
    <div className="stack" style={{ gap: ".35rem" }}>
      <div className="alert alert-info wrap" role="status">
        Signing secret — copy it now, it is not shown again: <code ref={code} data-testid="webhook-secret">{secret}</code>
      </div>
      <div><CopyButton text={secret} label="Copy secret" selectable={code} /></div>
    </div>
  );
}

/** Add a webhook, or edit one (`webhookId`); validates with the server's schema as the user types. */
export function WebhookForm({ environments, webhookId, initial }: { environments: { id: string; name: string }[]; webhookId?: string; initial?: Omit<WebhookFormValues, "url"> }) {
  const router = useRouter();
  const editing = Boolean(webhookId);
  const [values, setValues] = useState<WebhookFormValues>(initial ? { ...initial, url: "" } : DEFAULTS);
  const [touched, setTouched] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [pending, startTransition] = useTransition();

  const clientErrors = useMemo(() => {
    if (!touched) return {};
    const parsed = editing ? updateWebhookSchema.safeParse({ ...values, webhookId }) : createWebhookSchema.safeParse(values);
    const errors: Record<string, string> = {};
    if (!parsed.success) for (const issue of parsed.error.issues) errors[issue.path.join(".") || "form"] ??= issue.message;
    return errors;
  }, [touched, values, editing, webhookId]);
  const error = (field: string) => clientErrors[field] ?? (result && !result.ok ? result.fieldErrors?.[field] : undefined);
  const set = <K extends keyof WebhookFormValues>(key: K, value: WebhookFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const secret = result?.ok && !editing ? (result.data as { secret?: string } | undefined)?.secret : undefined;
  const prefix = webhookId ? `webhook-${webhookId}` : "webhook-new";

  return (
    <form
      className="stack"
      aria-label={editing ? `Edit webhook ${initial?.name ?? ""}` : "Add webhook"}
      onBlur={() => setTouched(true)}
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        startTransition(async () => {
          const outcome: Result = await callAction(() => (editing ? updateWebhookAction(null, { ...values, webhookId }) : createWebhookAction(null, { ...values })));
          setResult(outcome);
          if (outcome.ok) {
            if (!editing) setValues(DEFAULTS);
            setTouched(false);
            router.refresh();
          }
        });
      }}
    >
      {result && (result.ok ? <p className="alert alert-ok" role="status">{result.message}</p> : <p className="alert alert-error" role="alert">{result.error}</p>)}
      {secret && <SecretOnce secret={secret} />}
      <label>
        Name
        <input value={values.name} onChange={(e) => set("name", e.target.value)} aria-invalid={error("name") ? true : undefined} />
        {error("name") && <span className="field-error">{error("name")}</span>}
      </label>
      <label>
        URL
        <input
          value={values.url}
          onChange={(e) => set("url", e.target.value)}
          placeholder={editing ? "unchanged (stored encrypted)" : "https://hooks.slack.com/services/…"}
          autoComplete="off"
          aria-invalid={error("url") ? true : undefined}
        />
        {error("url") && <span className="field-error">{error("url")}</span>}
      </label>
      <label>
        Environments
        <select value={values.environmentId} onChange={(e) => set("environmentId", e.target.value)}>
          <option value="">All environments</option>
          {environments.map((e) => (
            <option key={e.id} value={e.id}>{e.name}</option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} style={{ display: "flex", gap: ".5rem", alignItems: "baseline", fontWeight: 400 }}>
            <input
              id={`${prefix}-${event}`}
              type="checkbox"
              checked={values.events.includes(event)}
              onChange={(e) => set("events", e.target.checked ? [...values.events, event] : values.events.filter((x) => x !== event))}
            />
            <span><span className="mono">{event}</span> <span className="muted">— {WEBHOOK_EVENT_HELP[event]}</span></span>
          </label>
        ))}
        {error("events") && <span className="field-error">{error("events")}</span>}
      </fieldset>
      <label>
        Format
        <select value={values.format} onChange={(e) => set("format", e.target.value as WebhookFormValues["format"])}>
          <option value="json">JSON (Rotor&apos;s payload)</option>
          <option value="slack">Slack-compatible message</option>
        </select>
      </label>
      <div className="row">
        <button className="btn btn-primary" type="submit" disabled={pending}>{editing ? "Save" : "Add webhook"}</button>
      </div>
    </form>
  );
}

/** Send test / enable / disable / new secret / delete, with the outcome announced in the row. */
export function WebhookRowActions({ webhookId, name, enabled, previousSecretSignsUntil }: { webhookId: string; name: string; enabled: boolean; previousSecretSignsUntil: string | null }) {
  const router = useRouter();
  const [result, setResult] = useState<Result | null>(null);
  const [pending, startTransition] = useTransition();
  const run = (action: () => Promise<Result>) =>
    startTransition(async () => {
      setResult(null);
      const outcome = await callAction(action);
      setResult(outcome);
      router.refresh();
    });
  const secret = result?.ok ? (result.data as { secret?: string } | undefined)?.secret : undefined;
  return (
    <div className="stack">
      <div className="row">
        <button className="btn btn-small" type="button" disabled={pending} onClick={() => run(() => sendTestWebhookAction(null, { webhookId }))}>
          Send test
        </button>
        <button className="btn btn-small" type="button" disabled={pending} onClick={() => run(() => setWebhookEnabledAction(null, { webhookId, enabled: !enabled }))}>
          {enabled ? "Disable" : "Enable"}
        </button>
        <ConfirmButton label="Renew secret" className="btn btn-small" title={`Renew the signing secret of ${name}?`} confirmLabel="Renew" disabled={pending} onConfirm={() => run(() => renewWebhookSecretAction(null, { webhookId }))}>
          <p>Deliveries are signed with both the new and the current secret for a while, so receivers can switch without refusing any.</p>
        </ConfirmButton>
        {previousSecretSignsUntil && (
          <ConfirmButton label="Retire previous secret" className="btn btn-small" title={`Stop signing ${name}'s deliveries with the previous secret?`} confirmLabel="Retire" disabled={pending} onConfirm={() => run(() => retirePreviousWebhookSecretAction(null, { webhookId }))}>
            <p>It signs until {previousSecretSignsUntil} otherwise. Retire it now if it leaked.</p>
          </ConfirmButton>
        )}
        <ConfirmButton label="Delete" className="btn btn-small btn-danger" title={`Delete webhook ${name}?`} confirmLabel="Delete" disabled={pending} onConfirm={() => run(() => deleteWebhookAction(null, { webhookId }))}>
          <p>Its delivery log is deleted with it.</p>
        </ConfirmButton>
      </div>
      {result && (result.ok ? <p className="alert alert-ok" role="status">{result.message}</p> : <p className="alert alert-error" role="alert">{result.error}</p>)}
      {secret && <SecretOnce secret={secret} />}
    </div>
  );
}
