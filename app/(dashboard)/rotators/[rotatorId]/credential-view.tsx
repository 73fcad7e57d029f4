"use client";
/**
 * A credential shown masked; Reveal and Copy fetch the secret on demand (audited on the server). A revealed
 * secret belongs to the credential it was fetched for (`version`): once a rotation (or a rollback, or a failed
 * run that retired previous) changes the credential, it is masked again, so the page never pairs a new
 * username with an old password, nor copies a password that no longer works.
 */
import { useState, useTransition } from "react";
import { revealCredentialAction } from "../actions";
import { callAction } from "@/components/ui/action-form";

export function CredentialView({
  rotatorId,
  which,
  summary,
  secretKeys,
  canReveal,
  version,
}: {
  rotatorId: string;
  which: "current" | "previous";
  summary: Record<string, string> | null;
  /** "all": every key is secret and only known once revealed (an external rotator's answer). */
  secretKeys: string[] | "all";
  canReveal: boolean;
  /** Changes whenever the credential may have changed (the page derives it from the rotator's state). */
  version: string;
}) {
  const [reveal, setReveal] = useState<{ version: string; credential: Record<string, string> } | null>(null);
  const revealed = reveal?.version === version ? reveal.credential : null;
  const setRevealed = (credential: Record<string, string> | null) => setReveal(credential ? { version, credential } : null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [pending, startTransition] = useTransition();
  if (!summary) return <p className="muted">None yet.</p>;

  const fetchSecret = async () => {
    const result = await callAction(() => revealCredentialAction(null, { rotatorId, which }));
    if (!result.ok) {
      setError(result.error);
      return null;
    }
    return (result.data as { credential: Record<string, string> }).credential;
  };

  return (
    <div data-testid={`credential-${which}`}>
      <dl>
        {Object.entries(summary).map(([key, value]) => (
          <div key={key} className="row"><dt className="muted">{key}</dt><dd className="mono" data-testid={`${which}-${key}`}>{value}</dd></div>
        ))}
        {secretKeys === "all" && !revealed && (
          <div className="row"><dt className="muted">(every field)</dt><dd className="mono" data-testid={`${which}-masked`}>••••••••••••</dd></div>
        )}
        {(secretKeys === "all" ? Object.keys(revealed ?? {}) : secretKeys).map((key) => (
          <div key={key} className="row">
            <dt className="muted">{key}</dt>
            <dd className="mono" data-testid={`${which}-${key}`}>{revealed ? revealed[key] : "••••••••••••"}</dd>
          </div>
        ))}
      </dl>
      {canReveal && (
        <div className="row">
          <button
            type="button"
            className="btn btn-small"
            disabled={pending}
            onClick={() => startTransition(async () => (revealed ? setRevealed(null) : setRevealed(await fetchSecret())))}
          >
            {revealed ? `Hide ${which}` : `Reveal ${which}`}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={pending}
            onClick={() =>
              startTransition(async () => {
                const credential = revealed ?? (await fetchSecret());
                if (!credential) return;
                const text = secretKeys === "all" ? JSON.stringify(credential) : secretKeys.map((k) => credential[k]).join("\n");
                await navigator.clipboard?.writeText(text).catch(() => undefined);
                setCopied(true);
              })
            }
          >
            {copied ? "Copied" : `Copy ${which}`}
          </button>
        </div>
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
    </div>
  );
}
