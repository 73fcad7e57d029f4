import type { InputHTMLAttributes } from "react";

/** A labelled input with its validation message wired for screen readers. */
export function Field({ label, error, name, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; error?: string }) {
  const errorId = error ? `${name}-error` : undefined;
  return (
    <label>
      {label}
      <input name={name} aria-invalid={error ? true : undefined} aria-describedby={errorId} {...input} />
      {error && <span id={errorId} className="field-error">{error}</span>}
    </label>
  );
}
