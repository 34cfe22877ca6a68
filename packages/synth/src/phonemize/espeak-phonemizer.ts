import { clauseEnd } from "./clause-end.js";
import { EspeakError } from "./errors.js";
import { espeakEngine } from "./espeak-library.js";
import { espeakIsolation, phonemizeIsolated, type EspeakIsolation } from "./espeak-isolated.js";

let busy = false;
/** `ESPEAK_ISOLATION`, read once, on the first text (not on every text of the hot path). */
let isolation: EspeakIsolation | undefined;

/**
 * Text → phonemes with espeak-ng, in the phonemizer process (see {@link espeakIsolation}) or
 * in this one; the same result either way. @see phonemizeEspeakInProcess for the rules.
 * @throws EspeakCrashError when espeak-ng crashes on the text (isolated mode only; in this
 *   process a crash ends the process)
 */
export function phonemizeEspeak(text: string, voice: string, options: { isolateClauses?: boolean } = {}): string[][] {
  isolation ??= espeakIsolation();
  if (isolation === "process") return phonemizeIsolated(text, voice, options.isolateClauses === true);
  return phonemizeEspeakInProcess(text, voice, options);
}

/**
 * Text → phonemes with espeak-ng, piper-phonemize's `phonemize_eSpeak`: IPA clause by
 * clause, NFD-decomposed and split into code points, language-switch flags such as `(en)`
 * removed, the clause terminator appended (`.` `?` `!` alone; `,` `:` `;` plus a space), and
 * a new sentence after each sentence-type clause. Like Piper, every clause belongs to a
 * sentence, so a text ending in spaces after a sentence can yield a final empty sentence.
 * NUL characters are read as spaces (espeak would stop at them).
 *
 * @param text the text, as is (see `normalizeText` for optional clean-up)
 * @param voice an espeak voice name, e.g. `en-us` (a Piper config's `espeak.voice`); selected
 *   again for every text, so what one text leaves in espeak's state cannot change the next
 * @param options.isolateClauses select the voice again before every clause too, so a foreign
 *   letter early in a text cannot change the clauses after it (Piper does not: off by default)
 * @returns sentences, each an array of phonemes (single code points)
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 * @throws EspeakError for an unknown voice, or a re-entrant call
 */
export function phonemizeEspeakInProcess(text: string, voice: string, options: { isolateClauses?: boolean } = {}): string[][] {
  if (busy) throw new EspeakError("espeak-ng is not re-entrant: phonemizeEspeak called while running", voice);
  busy = true;
  try {
    const engine = espeakEngine();
    engine.setVoice(voice);
    const utf8 = Buffer.from(text.replaceAll("\0", " "), "utf8");
    const sentences: string[][] = [];
    let sentence: string[] | undefined;
    let spanStart = 0;
    for (const clause of engine.clauses(utf8, { reselectEachClause: options.isolateClauses === true })) {
      const end = clauseEnd(utf8.toString("utf8", spanStart, clause.endByte), clause.atEnd);
      if (!sentence) {
        sentence = [];
        sentences.push(sentence);
      }
      appendWithoutLanguageFlags(sentence, clause.phonemes.normalize("NFD"));
      sentence.push(...end.phonemes);
      if (end.endsSentence) sentence = undefined;
      // The next clause starts with the character espeak read ahead and pushed back.
      spanStart = clause.endByte > clause.startByte ? lastCodePointStart(utf8, clause.endByte) : clause.endByte;
    }
    return sentences;
  } finally {
    busy = false;
  }
}

/** Piper's filter: drops everything from `(` to `)`, the flags around words espeak reads in another language. */
function appendWithoutLanguageFlags(out: string[], phonemes: string): void {
  let inFlag = false;
  for (const phoneme of phonemes) {
    if (inFlag) inFlag = phoneme !== ")";
    else if (phoneme === "(") inFlag = true;
    else out.push(phoneme);
  }
}

/** Byte offset where the UTF-8 code point that ends at `end` begins. */
function lastCodePointStart(utf8: Uint8Array, end: number): number {
  let i = end - 1;
  while (i > 0 && ((utf8[i] ?? 0) & 0xc0) === 0x80) i--;
  return Math.max(i, 0);
}
