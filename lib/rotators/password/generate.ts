import { randomInt } from "node:crypto";
import { enabledClasses, parsePasswordRules, type PasswordRulesInput } from "./rules";

/** One character drawn uniformly (crypto.randomInt rejects biased samples, unlike `byte % n`). */
function pick(characters: string): string {
  return characters[randomInt(characters.length)]!;
}

/**
 * Generate a password that satisfies the rules (defaults: 32 characters from all four classes, at least one
 * of each). The per-class minimums are drawn first and the rest from the union of enabled classes, then the
 * whole is shuffled with Fisher–Yates so the guaranteed characters do not sit at predictable positions.
 * Throws `RotatorError("input:invalid")` when the rules cannot be satisfied.
 */
export function generatePassword(rules?: PasswordRulesInput): string {
  const parsed = parsePasswordRules(rules);
  const classes = enabledClasses(parsed);
  const chars: string[] = [];
  for (const c of classes) {
    for (let i = 0; i < c.min; i++) chars.push(pick(c.characters));
  }
  const alphabet = classes.map((c) => c.characters).join("");
  while (chars.length < parsed.length) chars.push(pick(alphabet));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
