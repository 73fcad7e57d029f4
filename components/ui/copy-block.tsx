"use client";
import { useState } from "react";

/** A preformatted block with a copy button (trust policies, templates, commands). */
export function CopyBlock({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="stack" style={{ gap: ".25rem" }}>
      <div className="spread">
        <strong>{label}</strong>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre className="mono card" aria-label={label} style={{ overflowX: "auto", whiteSpace: "pre", margin: 0 }}>{text}</pre>
    </div>
  );
}
