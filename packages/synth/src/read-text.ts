import type { TextNormalization, TextType } from "@voxqueue/contracts";
import { normalizeForSpeech, textLanguageFor, type SpokenWord } from "./normalize/index.js";
import { phonemize, phonemizeCodepoints } from "./phonemize/index.js";
import { isSsml } from "./ssml/parse.js";
import { readSsml } from "./ssml/read.js";
import { chunkText, normalizeText } from "./text/index.js";

/** What the text front end needs of a voice (a Piper config's `espeak.voice`, `language.code`, `phoneme_type`). */
export interface TextVoice {
  espeakVoice: string;
  languageCode?: string | undefined;
  phonemeType?: "espeak" | "text" | undefined;
}

/**
 * One sentence of the text as the front end read it. In `standard` mode a segment is a sentence
 * of the original text; in `piper` mode it is one of Piper's sentences, and `text`/`spoken` are
 * the chunk of the cleaned text it came from.
 */
export interface ReadSegment {
  /** The sentence as written. */
  text: string;
  /** What is said (the phonemizer's input). */
  spoken: string;
  /** Offsets of `text` in the original text (`standard` mode; UTF-16 code units; 0 in `piper` mode). */
  start: number;
  end: number;
  /** Spoken words with their offsets in the original text; empty in `piper` mode. */
  words: SpokenWord[];
  /** The phonemes of each model input (espeak's sentences, single code points each). */
  phonemes: string[][];
  /** SSML `<break>`: seconds of silence before this segment, instead of the sentence gap. */
  pauseBeforeSeconds?: number;
  /** SSML `<prosody rate>`: the speaking rate (1 = the voice's); length_scale is divided by it. */
  rate?: number;
  /** SSML `<voice name>`: the voice this segment asks for. */
  voice?: string;
}

/**
 * Text → sentences → phonemes, without the model.
 *
 * `piper` keeps Piper's rules exactly (piper-phonemize `phonemize.cpp`; `phoneme_type: "text"`
 * voices use the text's code points): the text is cleaned (controls removed, whitespace runs
 * collapsed) and cut at sentence ends into chunks of at most 600 bytes (rhasspy/piper#120).
 *
 * `standard` (the default) first reads the text with the front end (`normalizeForSpeech`:
 * sentences that know abbreviations and line breaks; numbers, dates, money … as words) for the
 * voice's language, then phonemizes each sentence, selecting espeak's voice again before every
 * clause. SSML (`textType` "ssml", or a text that starts with `<speak`) is read by `readSsml`
 * in either mode. Runs espeak-ng on the calling thread (its state is process-global: one thread per process).
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 * @throws SsmlError for malformed SSML, with its line and column
 */
export function readText(text: string, voice: TextVoice, mode: TextNormalization = "standard", textType?: TextType): ReadSegment[] {
  if (isSsml(text, textType)) return readSsml(text, voice);
  const segments: ReadSegment[] = [];
  if (mode === "piper") {
    for (const chunk of chunkText(normalizeText(text))) {
      const base = { text: chunk, spoken: chunk, start: 0, end: 0, words: [] };
      if (voice.phonemeType === "text") segments.push({ ...base, phonemes: phonemizeCodepoints(chunk) });
      else for (const sentence of phonemize(chunk, voice.espeakVoice)) segments.push({ ...base, phonemes: [sentence] });
    }
    return segments;
  }
  const language = textLanguageFor(voice.espeakVoice, voice.languageCode);
  for (const sentence of normalizeForSpeech(text, language).sentences) {
    const { text: written, spoken, start, end, words } = sentence;
    const phonemes =
      voice.phonemeType === "text"
        ? phonemizeCodepoints(spoken)
        : [...chunkText(spoken)].flatMap((chunk) => phonemize(chunk, voice.espeakVoice, { isolateClauses: true })).filter((s) => s.length > 0);
    segments.push({ text: written, spoken, start, end, words, phonemes });
  }
  return segments;
}
