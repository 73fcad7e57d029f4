"use client";
import { useRef, useState } from "react";
import { callAction } from "@/components/ui/action-form";
import { suggestActorsAction } from "./actions";

/**
 * The actor filter: it matches one actor exactly (so an index serves it on a million events), and while
 * the user types, the actors whose label starts with the text are offered as completions.
 */
export function ActorInput({ defaultValue }: { defaultValue: string }) {
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const latest = useRef("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const suggest = (prefix: string) => {
    latest.current = prefix;
    clearTimeout(timer.current);
    if (!prefix.trim()) return setSuggestions([]);
    timer.current = setTimeout(async () => {
      const result = await callAction(() => suggestActorsAction(null, { prefix }));
      // An answer to an older keystroke must not replace the newer one's.
      if (latest.current === prefix && result.ok) setSuggestions(result.data);
    }, 150);
  };
  return (
    <>
      <input name="actor" defaultValue={defaultValue} placeholder="email" list="audit-actor-suggestions" autoComplete="off" onChange={(e) => suggest(e.target.value)} />
      <datalist id="audit-actor-suggestions">
        {suggestions.map((label) => <option key={label} value={label} />)}
      </datalist>
    </>
  );
}
