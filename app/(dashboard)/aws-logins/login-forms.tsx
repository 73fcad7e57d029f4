"use client";
import { ConfirmDeleteForm } from "@/components/ui/confirm-delete-form";
import { CheckButton } from "@/components/ui/check-button";
/**
 * Forms of the AWS logins pages. Field names are the flat ones lib/aws-logins/validation.ts parses; on edit,
 * an empty secret field keeps the stored secret.
 */
import { useState, useTransition } from "react";
import { callAction, useActionForm } from "@/components/ui/action-form";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/auth/action";
import { ActionMessage } from "@/components/ui/action-message";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Field } from "@/components/ui/field";
import type { LoginKind, OidcLoginConfig, StaticLoginConfig } from "@/lib/aws-logins/validation";
import { DEFAULT_SESSION_NAME_TEMPLATE, DEFAULT_SUBJECT_TEMPLATE } from "@/lib/aws-logins/subject";
import { createLoginAction, deleteLoginAction, rotateIssuerKeysAction, testLoginAction, updateLoginAction } from "./actions";

type State = ActionResult<unknown> | null;

export type LoginFormMode =
  | { kind: "create" }
  | { kind: "edit"; loginProviderId: string; loginKind: LoginKind; name: string; config: StaticLoginConfig | OidcLoginConfig };

function Hint({ children }: { children: React.ReactNode }) {
  return <span className="muted" style={{ fontWeight: 400, fontSize: ".8rem" }}>{children}</span>;
}

export function LoginForm({ mode }: { mode: LoginFormMode }) {
  const editing = mode.kind === "edit";
  const router = useRouter();
  const [kind, setKind] = useState<LoginKind>(editing ? mode.loginKind : "oidc");
  const { state, formAction: action, pending, kept } = useActionForm<State>(async (prev, form) => {
    const result = await (editing ? updateLoginAction : createLoginAction)(prev, form);
    if (result.ok && !editing) router.push(`/aws-logins/${(result.data as { id: string }).id}`);
    return result;
  }, null);
  const errors = (state && !state.ok && state.fieldErrors) || {};
  const config = (editing ? mode.config : {}) as Partial<StaticLoginConfig & OidcLoginConfig>;
  return (
    <form action={action} className="stack" aria-label={editing ? "Edit login" : "Add login"}>
      <ActionMessage state={state} />
      {editing && <input type="hidden" name="loginProviderId" value={mode.loginProviderId} />}
      <Field label="Name" name="name" required defaultValue={kept("name") ?? (editing ? mode.name : "")} error={errors.name} />
      {!editing && (
        <label>
          Kind
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as LoginKind)}>
            <option value="oidc">OpenID Connect (Rotor signs a token; no stored AWS secret)</option>
            <option value="static">Static access keys</option>
          </select>
        </label>
      )}
      <Field label="Region" name="region" defaultValue={kept("region") ?? config.region ?? "us-east-1"} error={errors.region} />
      {kind === "static" ? (
        <>
          <Field label="Access key id" name="accessKeyId" defaultValue={kept("accessKeyId") ?? config.accessKeyId ?? ""} autoComplete="off" error={errors.accessKeyId} />
          <Field
            label="Secret access key"
            name="secretAccessKey"
            type="password"
            autoComplete="new-password"
            placeholder={editing ? "unchanged (stored encrypted)" : ""}
            error={errors.secretAccessKey}
          />
          <Field label="Session token (optional)" name="sessionToken" type="password" autoComplete="new-password" error={errors.sessionToken} />
        </>
      ) : (
        <>
          <Field label="Role ARN" name="roleArn" placeholder="arn:aws:iam::123456789012:role/rotor" defaultValue={kept("roleArn") ?? config.roleArn ?? ""} error={errors.roleArn} />
          <label>
            Session duration (seconds)
            <input name="durationSeconds" type="number" min={900} max={43200} defaultValue={kept("durationSeconds") ?? config.durationSeconds ?? 3600} aria-invalid={errors.durationSeconds ? true : undefined} />
            <Hint>900–43200, and at most the role&apos;s maximum session duration.</Hint>
            {errors.durationSeconds && <span className="field-error">{errors.durationSeconds}</span>}
          </label>
          <Field label="Audience" name="audience" defaultValue={kept("audience") ?? config.audience ?? "sts.amazonaws.com"} error={errors.audience} />
          <label>
            Subject template
            <input name="subjectTemplate" defaultValue={kept("subjectTemplate") ?? config.subjectTemplate ?? DEFAULT_SUBJECT_TEMPLATE} aria-invalid={errors.subjectTemplate ? true : undefined} />
            <Hint>Placeholders: {"{environment} {rotator} {login} {purpose}"}. The trust policy matches it with StringLike.</Hint>
            {errors.subjectTemplate && <span className="field-error">{errors.subjectTemplate}</span>}
          </label>
          <Field label="Session name" name="sessionName" defaultValue={kept("sessionName") ?? config.sessionName ?? DEFAULT_SESSION_NAME_TEMPLATE} error={errors.sessionName} />
          <label>
            Session policy ARNs (optional, one per line)
            <textarea name="policyArns" rows={2} defaultValue={kept("policyArns") ?? (config.policyArns ?? []).join("\n")} />
            {errors.policyArns && <span className="field-error">{errors.policyArns}</span>}
          </label>
        </>
      )}
      <button className="btn btn-primary" type="submit" disabled={pending}>{editing ? "Save" : "Add login"}</button>
    </form>
  );
}

export function TestLoginButton({ loginProviderId }: { loginProviderId: string }) {
  return <CheckButton label="Test login" okText="Login works." testId="login-test-result" run={() => testLoginAction(null, { loginProviderId })} />;
}

export function DeleteLoginForm({ loginProviderId, name }: { loginProviderId: string; name: string }) {
  return (
    <ConfirmDeleteForm what="login" name={name} idField="loginProviderId" id={loginProviderId} action={deleteLoginAction} />
  );
}

export function RotateIssuerKeysButton() {
  const [state, setState] = useState<State>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <div className="stack">
      <ConfirmButton
        label="Rotate signing keys now"
        title="Rotate the issuer's signing keys?"
        confirmLabel="Rotate"
        className="btn"
        disabled={pending}
        onConfirm={() =>
          startTransition(async () => {
            setState(await callAction(() => rotateIssuerKeysAction(null, {})));
            router.refresh();
          })
        }
      >
        <p>The next key (already published) starts signing; a new next key is published. The old key stays published until its tokens have expired.</p>
      </ConfirmButton>
      <ActionMessage state={state} />
    </div>
  );
}
