"use client";
/**
 * Create or edit a rotator. Validates as the user types with the same schema the server applies; "Test
 * connection" checks the managing credentials and the target before anything is saved. Creating runs Check
 * rotation first: when a line fails, nothing is saved and the checklist is shown with "Save anyway". On edit, secret
 * fields start empty and mean "keep the stored value" unless filled in.
 */
import { useMemo, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { CheckLine, FieldSpec, RotatorType } from "@/lib/rotators/types";
import { Checklist } from "@/components/checklist";
import { describeInputIssues, ROTATOR_META } from "@/lib/rotators/meta";
import { callAction } from "@/components/ui/action-form";
import { createRotatorAction, testConnectionAction, updateRotatorAction } from "./actions";
import { setPath } from "@/lib/object-paths";
import { buildInputs, initialValues } from "./rotator-form-fields";
import { DEFAULT_LOCKOUT_POLICY, LOCKOUT_POLICIES, LOCKOUT_POLICY_LABELS, type LockoutPolicy } from "@/lib/rotation/lockout-finding";

type Mode = { kind: "create"; environmentId: string } | { kind: "edit"; rotatorId: string; name: string; inputs: Record<string, unknown>; lockoutPolicy?: LockoutPolicy };

/**
 * Optional choices the page may pass: an AWS login provider for types that sign in to AWS, a connector (or
 * direct) for types that reach a database (the type's `binding`). Without them the form leaves the stored
 * choice alone.
 */
export interface BindingChoices {
  loginProviders?: { id: string; name: string; kind: string }[];
  connectors?: { id: string; name: string; mode: string }[];
  /** The rotator's current choice (edit). */
  current?: { loginProviderId: string | null; connectorId: string | null };
}

function FieldInput({
  field,
  value,
  error,
  onChange,
  secretKept,
}: {
  field: FieldSpec;
  value: string | boolean | undefined;
  error?: string;
  onChange: (v: string | boolean) => void;
  secretKept?: boolean;
}) {
  const id = `field-${field.path}`;
  // The hint and the error describe the control; they are not part of its name ("Host", not "Host db.internal").
  const describedBy = [field.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = { id, name: field.path, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy };
  let control;
  if (field.kind === "select") {
    control = (
      <select {...common} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)}>
        {field.options!.map((o) => (
          <option key={o} value={o}>{o}</option>
        ))}
      </select>
    );
  } else if (field.kind === "textarea") {
    control = <textarea {...common} rows={4} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} />;
  } else if (field.kind === "checkbox") {
    control = <input {...common} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
  } else {
    control = (
      <input
        {...common}
        type={field.kind === "password" ? "password" : field.kind === "number" ? "number" : "text"}
        autoComplete={field.kind === "password" ? "new-password" : "off"}
        placeholder={secretKept ? "unchanged (stored encrypted)" : field.placeholder}
        value={String(value ?? "")}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  // A checkbox sits on its label's line, left of it (as every form does), not under it.
  return (
    <div className="field">
      {field.kind === "checkbox" ? (
        <div className="check">
          {control}
          <label htmlFor={id}>{field.label}</label>
        </div>
      ) : (
        <>
          <label htmlFor={id}>{field.label}</label>
          {control}
        </>
      )}
      {field.hint && <span id={`${id}-hint`} className="muted field-hint">{field.hint}</span>}
      {error && <span id={`${id}-error`} className="field-error">{error}</span>}
    </div>
  );
}

export function RotatorForm({ type, mode, bindings }: { type: RotatorType; mode: Mode; bindings?: BindingChoices }) {
  const meta = ROTATOR_META[type];
  const offersLogin = meta.binding.kind === "aws-login" && bindings?.loginProviders !== undefined;
  const offersConnector = meta.binding.kind === "connector" && bindings?.connectors !== undefined;
  const [loginProviderId, setLoginProviderId] = useState(bindings?.current?.loginProviderId ?? "");
  const [connectorId, setConnectorId] = useState(bindings?.current?.connectorId ?? "");
  // With a login provider chosen, the static-key fields do not apply (and are not sent).
  const fields = useMemo(() => {
    const binding = meta.binding;
    if (!offersLogin || !loginProviderId || binding.kind !== "aws-login") return meta.fields;
    return meta.fields.filter((f) => !f.path.startsWith(`${binding.inlineLoginPath}.`));
  }, [offersLogin, loginProviderId, meta]);
  const binding = {
    ...(offersLogin ? { loginProviderId: loginProviderId || null } : {}),
    ...(offersConnector ? { connectorId: connectorId || null } : {}),
  };
  const router = useRouter();
  const editing = mode.kind === "edit";
  const [name, setName] = useState(editing ? mode.name : "");
  const [lockoutPolicy, setLockoutPolicy] = useState<LockoutPolicy>((editing ? mode.lockoutPolicy : undefined) ?? DEFAULT_LOCKOUT_POLICY);
  const [values, setValues] = useState(() => initialValues(meta.fields, editing ? mode.inputs : undefined));
  const [importValues, setImportValues] = useState<Record<string, string | boolean>>({});
  const [touched, setTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string; details?: string[] } | null>(null);
  // A new rotator is checked before it is saved; a checklist with failures is shown here with "Save anyway".
  const [check, setCheck] = useState<{ checks: CheckLine[]; summary: string; ok: boolean } | null>(null);
  const [pending, startTransition] = useTransition();

  const inputs = useMemo(() => buildInputs(fields, values), [fields, values]);
  const clientErrors = useMemo(() => {
    if (!touched) return {};
    // On edit, an empty secret means "keep the stored one": validate with a stand-in so it is not flagged.
    const probe = structuredClone(inputs);
    if (editing) {
      for (const path of meta.secretInputPaths) {
        if (!values[path] && fields.some((f) => f.path === path)) setPath(probe, path, "stored");
      }
    }
    const result = meta.inputsSchema.safeParse(probe);
    return result.success ? {} : describeInputIssues(type, result.error.issues).fieldErrors;
  }, [touched, inputs, editing, meta, values, fields, type]);
  const errorFor = (path: string) => clientErrors[path] ?? serverErrors[`inputs.${path}`];
  const visible = fields.filter((f) => !f.showIf || f.showIf.values.includes(String(values[f.showIf.path] ?? "")));
  // Server errors about something the form has no field for here (the imported credential, a rule as a whole)
  // are listed with the message, so none goes unseen.
  const shownPaths = new Set(["name", "loginProviderId", "connectorId", "lockoutPolicy", ...visible.map((f) => `inputs.${f.path}`)]);
  const unplaced = Object.entries(serverErrors).filter(([path]) => !shownPaths.has(path)).map(([, text]) => text);

  const importState = () => {
    const credential = Object.fromEntries(Object.entries(importValues).filter(([, v]) => v !== "")) as Record<string, string>;
    return Object.keys(credential).length ? { current: credential } : undefined;
  };

  const save = (saveAnyway = false) =>
    startTransition(async () => {
      setTouched(true);
      setMessage(null);
      setCheck(null);
      const result = await callAction(() =>
        editing
          ? updateRotatorAction(null, { rotatorId: mode.rotatorId, name, inputs, lockoutPolicy, ...binding })
          : createRotatorAction(null, { environmentId: mode.environmentId, name, type, inputs, importState: importState(), lockoutPolicy, ...binding, ...(saveAnyway ? { saveAnyway: true } : {}) }),
      );
      if (result.ok) {
        router.push(`/rotators/${(result.data as { id: string }).id}`);
        router.refresh();
      } else {
        setServerErrors(result.fieldErrors ?? {});
        setMessage({ ok: false, text: result.error });
        const details = "details" in result ? (result.details as { check?: { checks: CheckLine[]; summary: string; ok: boolean } } | undefined) : undefined;
        if (details?.check) setCheck(details.check);
      }
    });

  const test = () =>
    startTransition(async () => {
      setTouched(true);
      setMessage(null);
      const result = await callAction(() =>
        testConnectionAction(null, {
          type,
          inputs,
          rotatorId: editing ? mode.rotatorId : undefined,
          ...binding,
          ...(editing ? {} : { environmentId: mode.environmentId, name }),
        }),
      );
      if (result.ok) setMessage({ ok: true, text: result.message ?? "Connection works.", details: (result.data as { details: string[] }).details });
      else {
        setServerErrors(result.fieldErrors ?? {});
        setMessage({ ok: false, text: result.error });
      }
    });

  return (
    <form
      className="stack"
      aria-label={editing ? "Edit rotator" : "New rotator"}
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
      onBlur={() => setTouched(true)}
    >
      <label htmlFor="rotator-name">
        Name
        <input id="rotator-name" name="name" value={name} onChange={(e) => (setName(e.target.value), setCheck(null))} required aria-invalid={serverErrors.name ? true : undefined} />
        {serverErrors.name && <span className="field-error">{serverErrors.name}</span>}
      </label>
      {offersLogin && (
        <label htmlFor="rotator-login">
          AWS login
          <select id="rotator-login" name="loginProviderId" value={loginProviderId} onChange={(e) => setLoginProviderId(e.target.value)}>
            <option value="">Static access keys (below)</option>
            {bindings!.loginProviders!.map((p) => (
              <option key={p.id} value={p.id}>{p.name} ({p.kind === "oidc" ? "OpenID Connect" : "static keys"})</option>
            ))}
          </select>
          {serverErrors.loginProviderId && <span className="field-error">{serverErrors.loginProviderId}</span>}
        </label>
      )}
      {offersConnector && (
        <label htmlFor="rotator-connector">
          Connection
          <select id="rotator-connector" name="connectorId" value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
            <option value="">Direct (Rotor connects itself)</option>
            {bindings!.connectors!.map((c) => (
              <option key={c.id} value={c.id}>Connector {c.name}{c.mode === "esc" ? " (Pulumi ESC-compatible: cannot verify)" : ""}</option>
            ))}
          </select>
          {serverErrors.connectorId && <span className="field-error">{serverErrors.connectorId}</span>}
        </label>
      )}
      {visible.map((field) => (
        <FieldInput
          key={field.path}
          field={field}
          value={values[field.path]}
          error={errorFor(field.path)}
          secretKept={editing && meta.secretInputPaths.includes(field.path)}
          onChange={(v) => {
            setValues((prev) => ({ ...prev, [field.path]: v }));
            // The checklist is about what was checked: after an edit, Save checks again.
            setCheck(null);
            // The server's word on this field is about what it was; the form checks what it is now.
            setServerErrors(({ [`inputs.${field.path}`]: _stale, ...rest }) => rest);
          }}
        />
      ))}
      <label htmlFor="rotator-lockout-policy">
        Lockout guard
        <select id="rotator-lockout-policy" name="lockoutPolicy" value={lockoutPolicy} onChange={(e) => setLockoutPolicy(e.target.value as LockoutPolicy)}>
          {LOCKOUT_POLICIES.map((policy) => (
            <option key={policy} value={policy}>{LOCKOUT_POLICY_LABELS[policy]}</option>
          ))}
        </select>
        <span className="muted">Before a rotation retires the previous credential, Rotor checks whether it is still in use (open sessions, recent key use, consumers that have not fetched the current revision).</span>
        {serverErrors.lockoutPolicy && <span className="field-error">{serverErrors.lockoutPolicy}</span>}
      </label>
      {!editing && (
        <fieldset className="card">
          <legend>Import the credential in use now (optional)</legend>
          <p className="muted">It is verified before saving and becomes current, so the first rotation does not reset what applications use today.</p>
          {meta.importFields.map((field) => (
            <FieldInput
              key={field.path}
              field={{ ...field, path: `import.${field.path}` }}
              value={importValues[field.path]}
              onChange={(v) => (setImportValues((prev) => ({ ...prev, [field.path]: v })), setCheck(null))}
            />
          ))}
        </fieldset>
      )}
      {message && (
        <div className={`alert ${message.ok ? "alert-ok" : "alert-error"}`} role={message.ok ? "status" : "alert"}>
          {message.text}
          {!message.ok && unplaced.length > 0 && (
            <ul>
              {unplaced.filter((text) => text !== message.text).map((text) => (
                <li key={text}>{text}</li>
              ))}
            </ul>
          )}
          {message.details && message.details.length > 0 && (
            <ul>
              {message.details.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {check && (
        <section className="card" aria-label="Check rotation result">
          <Checklist checks={check.checks} summary={check.summary} />
          <button className="btn btn-danger" type="button" onClick={() => save(true)} disabled={pending}>Save anyway</button>
        </section>
      )}
      <div className="row">
        <button className="btn" type="button" onClick={test} disabled={pending}>Test connection</button>
        <button className="btn btn-primary" type="submit" disabled={pending}>{editing ? "Save" : "Create rotator"}</button>
      </div>
    </form>
  );
}
