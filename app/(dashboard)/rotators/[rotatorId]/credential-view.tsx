"use client";
/**
 * A credential shown masked; Reveal and Copy fetch the secret on demand (audited on the server). A revealed
 * secret belongs to the credential it was fetched for (`version`): once a rotation (or a rollback, or a failed
 * run that retired previous) changes the credential, it is masked again, so the page never pairs a new
 * username with an old password, nor copies a password that no longer works. Copy takes the secret values, or
 * one of the type's other formats (username and password, connection string, environment lines: the type's
 * meta.ts), built in the browser from what was revealed and the rotator's non-secret inputs.
 */
import { useState, useTransition } from "react";
import { revealCredentialAction } from "../actions";
import { callAction } from "@/components/ui/action-form";
import { CopyButton } from "@/components/ui/copy";
import { rotatorMeta } from "@/lib/rotators/meta";
import type { RotatorType } from "@/lib/rotators/types";

const SECRET_ONLY = "secret";

export function CredentialView({
  rotatorId,
  type,
  inputs,
  which,
  summary,
  secretKeys,
  canReveal,
  version,
}: {
  rotatorId: string;
  type: RotatorType;
  /** The rotator's stored inputs: secret paths are not among them. */
  inputs: Record<string, unknown>;
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
  const [pending, startTransition] = useTransition();
  const formats = rotatorMeta(type).credentialFormats ?? [];
  const [format, setFormat] = useState(SECRET_ONLY);
  if (!summary) return <p className="muted">None yet.</p>;

  const fetchSecret = async () => {
    const result = await callAction(() => revealCredentialAction(null, { rotatorId, which }));
    if (!result.ok) {
      setError(result.error);
      return null;
    }
    return (result.data as { credential: Record<string, string> }).credential;
  };

  const textToCopy = async () => {
    const credential = revealed ?? (await fetchSecret());
    if (!credential) return null;
    const chosen = formats.find((f) => f.label === format);
    if (chosen) return chosen.format({ credential, inputs });
    return secretKeys === "all" ? JSON.stringify(credential) : secretKeys.map((k) => credential[k]).join("\n");
  };

  return (
    <div data-testid={`credential-${which}`}>
      <dl className="pairs">
        {Object.entries(summary).map(([key, value]) => (
          <div key={key}><dt className="muted">{key}</dt><dd className="mono" data-testid={`${which}-${key}`}>{value}</dd></div>
        ))}
        {secretKeys === "all" && !revealed && (
          <div><dt className="muted">(every field)</dt><dd className="mono" data-testid={`${which}-masked`}>••••••••••••</dd></div>
        )}
        {(secretKeys === "all" ? Object.keys(revealed ?? {}) : secretKeys).map((key) => (
          <div key={key}>
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
          {formats.length > 0 && secretKeys !== "all" && (
            <select aria-label={`Copy ${which} as`} value={format} onChange={(e) => setFormat(e.target.value)} className="select-small">
              <option value={SECRET_ONLY}>{secretKeys.join(" and ")}</option>
              {formats.map((f) => (
                <option key={f.label} value={f.label}>{f.label}</option>
              ))}
            </select>
          )}
          <CopyButton text={textToCopy} label={`Copy ${which}`} disabled={pending} />
        </div>
      )}
      {error && <p className="alert alert-error" role="alert">{error}</p>}
    </div>
  );
}
