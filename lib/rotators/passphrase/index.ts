/**
 * `passphrase`: a generated passphrase of dictionary words with no target (Pulumi ESC's `passphrase` rotator):
 * memorable secrets people type — a shared vault password, a disk-encryption phrase — that should still rotate
 * on a schedule with the previous one kept for overlap.
 */
import { createNoTargetRotator } from "../generated/no-target-rotator";
import type { RotatorDefinition } from "../types";
import { generatePassphrase, passphraseEntropyBits } from "./generate";
import type { PassphraseInputs } from "./inputs";
import { passphraseMeta } from "./meta";
import { WORDS } from "./wordlist";

export const passphraseRotator: RotatorDefinition<PassphraseInputs> = createNoTargetRotator(passphraseMeta, {
  key: "passphrase",
  noun: "passphrase",
  generate: (inputs) => generatePassphrase(inputs),
  describe: (inputs) => [
    `${inputs.length} words from EFF's list of ${WORDS.length.toLocaleString("en")}${inputs.digits ? ` and ${inputs.digits} digits` : ""}: ` +
      `about ${Math.floor(passphraseEntropyBits(inputs))} bits of entropy.`,
  ],
});
