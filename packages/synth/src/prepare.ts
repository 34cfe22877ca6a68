import type { TextNormalization } from "@voxqueue/contracts";
import { normalizeForSpeech, textLanguageFor, type SpokenWord } from "./normalize/index.js";
import { phonemize, phonemizeCodepoints } from "./phonemize/index.js";
import { chunkText, normalizeText } from "./text/index.js";
import { phonemeIds } from "./phoneme-ids.js";
import type { PiperVoiceConfig } from "./voice-config.js";

/**
 * One sentence of the text as the front end read it, and where its phoneme ids went. In
 * `standard` mode a segment is a sentence of the original text; in `piper` mode it is one of
 * Piper's sentences, and `text`/`spoken` are the chunk of the cleaned text it came from.
 */
export interface PreparedSegment {
  /** The sentence as written. */
  text: string;
  /** What is said (the phonemizer's input). */
  spoken: string;
  /** Offsets of `text` in the original text (`standard` mode; UTF-16 code units). */
  start: number;
  end: number;
  /** The phonemes, as one string (espeak's sentences joined by a space). */
  phonemes: string;
  /** Spoken words with their offsets in the original text; empty in `piper` mode. */
  words: SpokenWord[];
  /** Indices into {@link PreparedText.sentences} of this segment's model inputs. */
  sentences: number[];
}

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
  /** The front end's sentences, in order. */
  segments: PreparedSegment[];
}

/** Options of {@link prepareText}. */
export interface PrepareOptions {
  /** `standard` (default): the normalization front end; `piper`: exactly Piper's phonemes. */
  textNormalization?: TextNormalization;
}

/**
 * Text → phonemes per sentence → phoneme ids.
 *
 * `piper` mode keeps Piper's rules exactly (piper-phonemize `phonemize.cpp`, `phoneme_ids.cpp`;
 * `phoneme_type: "text"` voices use the text's code points): the text is cleaned (controls
 * removed, whitespace runs collapsed) and cut at sentence ends into chunks of at most 600 bytes,
 * so a very long input never becomes one giant `session.run` (rhasspy/piper#120).
 *
 * `standard` mode (the default) first reads the text with the front end (`normalizeForSpeech`:
 * sentences that know abbreviations and line breaks, numbers, dates, money … as words) for the
 * voice's language, then phonemizes each sentence, selecting espeak's voice again before every
 * clause. Both modes skip a sentence whose phonemes are all unknown (it would be `[^, _, $]`,
 * silence). Runs espeak-ng on the calling thread (its state is process-global: one thread per process).
 */
export function prepareText(text: string, config: PiperVoiceConfig, options: PrepareOptions = {}): PreparedText {
  const prepared: PreparedText = { sentences: [], missing: new Map(), skippedSentences: 0, phonemes: 0, segments: [] };
  const addSentences = (segment: Omit<PreparedSegment, "phonemes" | "sentences">, sentences: readonly string[][]) => {
    const indices: number[] = [];
    for (const phonemes of sentences) {
      prepared.phonemes += phonemes.length;
      const { ids, missing } = phonemeIds(phonemes, config);
      for (const [p, n] of missing) prepared.missing.set(p, (prepared.missing.get(p) ?? 0) + n);
      // BOS, pad, EOS only: nothing to say.
      if (ids.length <= 3) prepared.skippedSentences++;
      else indices.push(prepared.sentences.push(ids) - 1);
    }
    prepared.segments.push({ ...segment, phonemes: sentences.map((s) => s.join("")).join(" "), sentences: indices });
  };

  if (options.textNormalization === "piper") {
    for (const chunk of chunkText(normalizeText(text))) {
      if (config.phoneme_type === "text") {
        addSentences({ text: chunk, spoken: chunk, start: 0, end: 0, words: [] }, phonemizeCodepoints(chunk));
        continue;
      }
      for (const sentence of phonemize(chunk, config.espeak.voice)) addSentences({ text: chunk, spoken: chunk, start: 0, end: 0, words: [] }, [sentence]);
    }
    return prepared;
  }

  const language = textLanguageFor(config.espeak.voice, config.language?.code);
  for (const sentence of normalizeForSpeech(text, language).sentences) {
    const { text: written, spoken, start, end, words } = sentence;
    const phonemes =
      config.phoneme_type === "text"
        ? phonemizeCodepoints(spoken)
        : [...chunkText(spoken)].flatMap((chunk) => phonemize(chunk, config.espeak.voice, { isolateClauses: true })).filter((s) => s.length > 0);
    addSentences({ text: written, spoken, start, end, words }, phonemes);
  }
  return prepared;
}
