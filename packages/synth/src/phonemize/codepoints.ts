/** Letter case applied before splitting (piper-phonemize `CodepointsPhonemeConfig.casing`). */
export type Casing = "ignore" | "lower" | "upper" | "fold";

/**
 * Phonemes of a `phoneme_type: "text"` voice: the text's code points after NFD
 * (piper-phonemize `phonemize_codepoints`; piper1-gpl `PiperVoice.phonemize`). Like Piper,
 * there is no sentence detection: the whole text is one sentence.
 *
 * @param text the text to split
 * @param casing case mapping applied first, `ignore` by default (Piper's default)
 * @returns exactly one sentence of code points (empty for an empty text, as in Piper)
 */
export function phonemizeCodepoints(text: string, casing: Casing = "ignore"): string[][] {
  const cased =
    casing === "lower" ? text.toLowerCase() : casing === "upper" ? text.toUpperCase() : casing === "fold" ? foldCase(text) : text;
  return [Array.from(cased.normalize("NFD"))];
}

// Unicode full case folding, approximated by lower-casing after upper-casing (ß → ss).
function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}
