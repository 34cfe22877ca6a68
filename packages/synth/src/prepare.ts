import type { TextNormalization, TextType } from "@voxqueue/contracts";
import type { SpokenWord } from "./normalize/index.js";
import { phonemeIds } from "./phoneme-ids.js";
import { readText } from "./read-text.js";
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
  /** Per model input (parallel to `sentences`): SSML's pause before it (seconds) and speaking rate. */
  sentenceOptions: { pauseBeforeSeconds?: number; rate?: number }[];
}

/** Options of {@link prepareText}. */
export interface PrepareOptions {
  /** `standard` (default): the normalization front end; `piper`: exactly Piper's phonemes. */
  textNormalization?: TextNormalization | undefined;
  /** `ssml`, or `text`; unset: SSML when the text starts with `<speak`. */
  textType?: TextType | undefined;
}

/**
 * Text → phonemes per sentence ({@link readText}, in the mode asked for) → phoneme ids with
 * Piper's rules (`phoneme_ids.cpp`). A sentence whose phonemes are all unknown would be
 * `[^, _, $]`, silence: it is skipped and counted. Runs espeak-ng on the calling thread.
 */
export function prepareText(text: string, config: PiperVoiceConfig, options: PrepareOptions = {}): PreparedText {
  const prepared: PreparedText = { sentences: [], missing: new Map(), skippedSentences: 0, phonemes: 0, segments: [], sentenceOptions: [] };
  const voice = { espeakVoice: config.espeak.voice, languageCode: config.language?.code, phonemeType: config.phoneme_type };
  for (const { phonemes: sentences, ...segment } of readText(text, voice, options.textNormalization, options.textType)) {
    const indices: number[] = [];
    for (const phonemes of sentences) {
      prepared.phonemes += phonemes.length;
      const { ids, missing } = phonemeIds(phonemes, config);
      for (const [p, n] of missing) prepared.missing.set(p, (prepared.missing.get(p) ?? 0) + n);
      // BOS, pad, EOS only: nothing to say.
      if (ids.length <= 3) prepared.skippedSentences++;
      else {
        const first = indices.length === 0;
        indices.push(prepared.sentences.push(ids) - 1);
        prepared.sentenceOptions.push({
          ...(first && segment.pauseBeforeSeconds !== undefined ? { pauseBeforeSeconds: segment.pauseBeforeSeconds } : {}),
          ...(segment.rate !== undefined ? { rate: segment.rate } : {}),
        });
      }
    }
    prepared.segments.push({ ...segment, phonemes: sentences.map((s) => s.join("")).join(" "), sentences: indices });
  }
  return prepared;
}
