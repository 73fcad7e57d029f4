"use client";
/**
 * Copying to the clipboard, honestly: browsers give pages the clipboard only in a secure context (HTTPS or
 * localhost), so Rotor opened at http://<LAN address> has none. Then nothing is copied, the button says so and
 * the text is selected for the user to copy with the keyboard, instead of a "Copied" that is not true.
 */
import { useEffect, useRef, useState, type RefObject } from "react";

export type CopyOutcome = "copied" | "unavailable" | "failed";

export const COPY_MESSAGES: Record<Exclude<CopyOutcome, "copied">, string> = {
  unavailable:
    "Nothing was copied: this browser gives pages the clipboard only over HTTPS (or on localhost). The text is selected: press Ctrl+C (⌘C on a Mac).",
  failed: "Nothing was copied: the browser refused the clipboard. The text is selected: press Ctrl+C (⌘C on a Mac).",
};

/** True when this page may write the clipboard (a secure context with the async Clipboard API). */
export function clipboardWritable(): boolean {
  return typeof window !== "undefined" && window.isSecureContext && typeof navigator.clipboard?.writeText === "function";
}

export async function copyText(text: string): Promise<CopyOutcome> {
  if (!clipboardWritable()) return "unavailable";
  try {
    await navigator.clipboard.writeText(text);
    return "copied";
  } catch {
    return "failed";
  }
}

/** Selects everything inside `element` (a <pre>, a <code>), so Ctrl+C copies it. */
export function selectContents(element: HTMLElement | null) {
  if (!element) return;
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLInputElement) {
    element.focus();
    element.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

/**
 * A Copy button. `text` is what to copy (or a function that fetches it, e.g. a secret revealed on demand; null
 * = nothing to copy). `selectable` is an element already showing the text, selected when copying is not
 * possible; without one the text is shown in a selected, read-only box under the button.
 */
export function CopyButton({
  text,
  label = "Copy",
  className = "btn btn-small",
  selectable,
  disabled,
}: {
  text: string | (() => Promise<string | null>);
  label?: string;
  className?: string;
  selectable?: RefObject<HTMLElement | null>;
  disabled?: boolean;
}) {
  const [outcome, setOutcome] = useState<CopyOutcome | null>(null);
  const [fallback, setFallback] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (fallback !== null) selectContents(box.current);
  }, [fallback]);
  useEffect(() => {
    if (outcome !== "copied") return;
    const timer = setTimeout(() => setOutcome(null), 2500);
    return () => clearTimeout(timer);
  }, [outcome]);

  const onClick = async () => {
    setBusy(true);
    try {
      const value = typeof text === "string" ? text : await text();
      if (value === null) return;
      const result = await copyText(value);
      setOutcome(result);
      if (result === "copied") setFallback(null);
      else if (selectable?.current) selectContents(selectable.current);
      else setFallback(value);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="copy">
      <button type="button" className={className} disabled={disabled || busy} onClick={() => void onClick()}>
        {outcome === "copied" ? "Copied" : label}
      </button>
      {outcome && outcome !== "copied" && (
        <span className="alert alert-warn copy-message" role="status">
          {COPY_MESSAGES[outcome]}
        </span>
      )}
      {outcome && outcome !== "copied" && fallback !== null && (
        <textarea
          ref={box}
          className="mono copy-fallback"
          readOnly
          aria-label="Text to copy"
          rows={Math.min(8, fallback.split("\n").length)}
          value={fallback}
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
    </span>
  );
}
