"use client";
import { useRef } from "react";
import { CopyButton } from "./copy";

/** A preformatted block with a copy button (trust policies, templates, commands, secrets shown once). */
export function CopyBlock({ label, text }: { label: string; text: string }) {
  const pre = useRef<HTMLPreElement>(null);
  return (
    <div className="stack" style={{ gap: ".25rem" }}>
      <div className="spread">
        <strong>{label}</strong>
        <CopyButton text={text} label="Copy" selectable={pre} />
      </div>
      <pre ref={pre} className="mono card" aria-label={label} style={{ overflowX: "auto", whiteSpace: "pre", margin: 0 }}>{text}</pre>
    </div>
  );
}
