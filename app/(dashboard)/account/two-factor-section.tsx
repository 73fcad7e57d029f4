"use client";
/**
 * Two-factor sign-in on the account page. The secret, its URI and the recovery codes live only in this
 * component's state, from the action that made them: a reload shows none of them again.
 */
import { useActionForm } from "@/components/ui/action-form";
import { ActionMessage } from "@/components/ui/action-message";
import { CopyBlock } from "@/components/ui/copy-block";
import type { ActionResult } from "@/lib/auth/action";
import { confirmTotpAction, disableTotpAction, startTotpAction } from "./actions";

type Started = ActionResult<{ secret: string; uri: string }> | null;
type Confirmed = ActionResult<{ recoveryCodes: string[] }> | null;

export function TwoFactorSection({ enabledAt, recoveryCodesLeft }: { enabledAt: string | null; recoveryCodesLeft: number }) {
  const start = useActionForm<Started>(startTotpAction, null);
  const confirm = useActionForm<Confirmed>(confirmTotpAction, null);
  const disable = useActionForm<ActionResult<unknown> | null>(disableTotpAction, null);
  // Shown while two-factor sign-in is on (after "Turn off" in the same visit they are gone).
  const recoveryCodes = enabledAt && confirm.state?.ok ? confirm.state.data.recoveryCodes : null;
  const confirmErrors = (confirm.state && !confirm.state.ok && confirm.state.fieldErrors) || {};
  const disableErrors = (disable.state && !disable.state.ok && disable.state.fieldErrors) || {};

  if (recoveryCodes) {
    return (
      <div className="stack" data-testid="two-factor">
        <p className="alert alert-ok" role="status">Two-factor sign-in is on.</p>
        <p>
          <strong>Recovery codes (shown once).</strong> Each signs in once instead of a code from the app. Keep them somewhere safe, apart from
          your phone.
        </p>
        <CopyBlock label="Recovery codes" text={recoveryCodes.join("\n")} />
      </div>
    );
  }
  if (enabledAt) {
    return (
      <div className="stack" data-testid="two-factor">
        <p>
          Two-factor sign-in is <strong>on</strong>. {recoveryCodesLeft} of 10 recovery codes left.
        </p>
        <form action={disable.formAction} className="stack" aria-label="Turn off two-factor sign-in">
          <ActionMessage state={disable.state} />
          <label>
            Code from the app, or a recovery code
            <input name="code" autoComplete="one-time-code" required maxLength={40} aria-invalid={disableErrors.code ? true : undefined} />
            {disableErrors.code && <span className="field-error">{disableErrors.code}</span>}
          </label>
          <button className="btn btn-danger" type="submit" disabled={disable.pending}>Turn off two-factor sign-in</button>
        </form>
      </div>
    );
  }
  const started = start.state?.ok ? start.state.data : null;
  return (
    <div className="stack" data-testid="two-factor">
      {disable.state?.ok && <ActionMessage state={disable.state} />}
      <p>
        Two-factor sign-in is <strong>off</strong>. With it on, signing in needs a code from an authenticator app after the password.
      </p>
      <form action={start.formAction}>
        <ActionMessage state={start.state && !start.state.ok ? start.state : null} />
        <button className="btn" type="submit" disabled={start.pending}>{started ? "Start again with a new secret" : "Set up two-factor sign-in"}</button>
      </form>
      {started && (
        <div className="stack">
          <p>Add this account to your authenticator app: type the secret, or paste the otpauth URI. Then enter the code it shows.</p>
          <CopyBlock label="Secret" text={started.secret} />
          <CopyBlock label="otpauth URI" text={started.uri} />
          <form action={confirm.formAction} className="stack" aria-label="Confirm two-factor sign-in">
            <ActionMessage state={confirm.state} />
            <label>
              Code from the app
              <input name="code" autoComplete="one-time-code" inputMode="numeric" required maxLength={10} aria-invalid={confirmErrors.code ? true : undefined} />
              {confirmErrors.code && <span className="field-error">{confirmErrors.code}</span>}
            </label>
            <button className="btn btn-primary" type="submit" disabled={confirm.pending}>Turn on two-factor sign-in</button>
          </form>
        </div>
      )}
    </div>
  );
}
