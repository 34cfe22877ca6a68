import { phonemize, phonemizeCodepoints } from "./phonemize/index.js";
import { chunkText, normalizeText } from "./text/index.js";
import { phonemeIds } from "./phoneme-ids.js";
import type { PiperVoiceConfig } from "./voice-config.js";

/** A text made ready for the model: phoneme ids per sentence (one `session.run` each). */
export interface PreparedText {
  /** Phoneme ids per sentence, BOS/EOS included; sentences with no known phoneme are dropped. */
  sentences: number[][];
  /** Phonemes absent from the voice's `phoneme_id_map`, with how often they were skipped. */
  missing: Map<string, number>;
  /** Sentences dropped because nothing in them was pronounceable. */
  skippedSentences: number;
  /** Phonemes the phonemizer produced, in every sentence (missing and skipped ones included). */
  phonemes: number;
}

/**
 * Text → espeak phonemes per sentence → phoneme ids, with Piper's rules
 * (piper-phonemize `phonemize.cpp`, `phoneme_ids.cpp`; `phoneme_type: "text"` voices
 * use the text's codepoints). The text is normalised (controls removed, whitespace
 * runs collapsed) and cut into chunks at sentence ends of at most 600 bytes, so a very
 * long or unpunctuated input never becomes one giant `session.run` (rhasspy/piper#120).
 * A sentence whose phonemes are all unknown (or empty) would be `[^, _, $]`, which is
 * silence: it is skipped. Runs espeak-ng on the calling thread (espeak's state is
 * process-global: call it from one thread per process).
 */
export function prepareText(text: string, config: PiperVoiceConfig): PreparedText {
  const missing = new Map<string, number>();
  const sentences: number[][] = [];
  let skippedSentences = 0;
  let phonemeCount = 0;
  const sentencePhonemes = function* () {
    for (const chunk of chunkText(normalizeText(text))) {
      yield* config.phoneme_type === "text" ? phonemizeCodepoints(chunk) : phonemize(chunk, config.espeak.voice);
    }
  };
  for (const phonemes of sentencePhonemes()) {
    phonemeCount += phonemes.length;
    const { ids, missing: miss } = phonemeIds(phonemes, config);
    for (const [p, n] of miss) missing.set(p, (missing.get(p) ?? 0) + n);
    // BOS, pad, EOS only: nothing to say.
    if (ids.length <= 3) skippedSentences++;
    else sentences.push(ids);
  }
  return { sentences, missing, skippedSentences, phonemes: phonemeCount };
}
