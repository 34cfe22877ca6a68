import { phonemizeEspeak } from "./espeak-phonemizer.js";

/** A `[[ … ]]` block of raw phonemes (piper1-gpl `_PHONEME_BLOCK_PATTERN`), not spanning lines. */
const PHONEME_BLOCK = /(\[\[.*?\]\])/;

/**
 * Text → phonemes per sentence, with piper1-gpl's `[[ raw phonemes ]]` blocks
 * (`PiperVoice.phonemize`): a block's code points are used as they are (no NFD) and join
 * the current sentence, with a space kept on either side where the text has one; the text
 * after a block continues that sentence; a final empty sentence is dropped. Text without
 * a block is phonemized exactly as piper-phonemize does ({@link phonemizeEspeak}).
 *
 * @param text the text; `[[ … ]]` holds phonemes in the voice's own alphabet
 * @param espeakVoice the espeak voice (a Piper config's `espeak.voice`)
 * @param options.isolateClauses see {@link phonemizeEspeak}
 * @returns sentences, each an array of phonemes (single code points)
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 * @throws EspeakError for a voice espeak does not know
 */
export function phonemize(text: string, espeakVoice: string, options: { isolateClauses?: boolean } = {}): string[][] {
  if (!PHONEME_BLOCK.test(text)) return phonemizeEspeak(text, espeakVoice, options);

  const parts = text.split(PHONEME_BLOCK);
  const sentences: string[][] = [];
  let afterBlock = false;
  parts.forEach((part, i) => {
    if (part.startsWith("[[") && part.endsWith("]]") && i % 2 === 1) {
      if (sentences.length === 0) sentences.push([]);
      const current = sentences.at(-1)!;
      if (parts[i - 1]?.endsWith(" ")) current.push(" ");
      current.push(...Array.from(part.slice(2, -2).trim()));
      if (parts[i + 1]?.startsWith(" ")) current.push(" ");
      afterBlock = true;
      return;
    }
    const partSentences = phonemizeEspeak(part, espeakVoice, options);
    if (afterBlock && partSentences.length > 0) sentences.at(-1)!.push(...partSentences.shift()!);
    sentences.push(...partSentences);
    afterBlock = false;
  });
  if (sentences.at(-1)?.length === 0) sentences.pop();
  return sentences;
}
