/** Letter case applied before splitting (piper-phonemize `CodepointsPhonemeConfig.casing`). */
export type Casing = "ignore" | "lower" | "upper" | "fold";

/**
 * Phonemes of a `phoneme_type: "text"` voice: the text's code points after NFD
 * (piper-phonemize `phonemize_codepoints`; piper1-gpl `PiperVoice.phonemize`). Like Piper,
 * there is no sentence detection: the whole text is one sentence.
 *
 * @param text the text to split
 * @param casing case mapping applied first; `fold` by default, piper-phonemize's default
 *   (`CodepointsPhonemeConfig.casing = CASING_FOLD`): such voices' maps hold lower-case letters
 *   only, so with `ignore` every capital letter was missing and dropped
 * @returns exactly one sentence of code points (empty for an empty text, as in Piper)
 */
export function phonemizeCodepoints(text: string, casing: Casing = "fold"): string[][] {
  const cased = casing === "lower" ? text.toLowerCase() : casing === "upper" ? text.toUpperCase() : casing === "fold" ? foldCase(text) : text;
  return [Array.from(cased.normalize("NFD"))];
}

/**
 * Unicode full case folding (uni-algo's `to_casefold`, which piper-phonemize uses), approximated
 * code point by code point as lower-casing after upper-casing: `ß` → `ss`, `Σ` and final `ς` → `σ`
 * (per code point, so JavaScript's final-sigma rule does not apply).
 */
function foldCase(text: string): string {
  let out = "";
  for (const c of text) out += c.toUpperCase().toLowerCase();
  return out;
}
