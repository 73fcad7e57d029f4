import { randomInt } from "node:crypto";
import type { PassphraseInputs } from "./inputs";
import { WORDS } from "./wordlist";

/**
 * A passphrase: `length` words drawn independently and uniformly from the EFF list (with replacement, so every
 * word is worth exactly log2(7776) bits; crypto.randomInt rejects biased samples, unlike `byte % n`), optionally
 * capitalised, joined by the separator, with an optional group of uniformly drawn digits at the end.
 */
export function generatePassphrase(inputs: PassphraseInputs, words: readonly string[] = WORDS): string {
  const parts: string[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const word = words[randomInt(words.length)]!;
    parts.push(inputs.capitalize ? word[0]!.toUpperCase() + word.slice(1) : word);
  }
  if (inputs.digits > 0) {
    let group = "";
    for (let i = 0; i < inputs.digits; i++) group += String(randomInt(10));
    parts.push(group);
  }
  return parts.join(inputs.separator);
}

/** Bits of entropy of a passphrase generated with these inputs (what the form and Test connection report). */
export function passphraseEntropyBits(inputs: Pick<PassphraseInputs, "length" | "digits">, listSize: number = WORDS.length): number {
  return inputs.length * Math.log2(listSize) + inputs.digits * Math.log2(10);
}
