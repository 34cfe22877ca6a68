import type { TextLanguage } from "./language.js";
import { readSentence, type SpokenPiece } from "./read.js";
import { splitSentences } from "./sentences.js";

export type { TextLanguage } from "./language.js";
export { textLanguageFor } from "./languages.js";
export { splitSentences, type SentenceSpan } from "./sentences.js";

/** One spoken word and the characters of the original text it stands for. */
export interface SpokenWord {
  /** The word as it is said (`Doctor` for `Dr.`). */
  word: string;
  /** Offsets into the original text (UTF-16 code units: JavaScript string indices), end exclusive. */
  start: number;
  end: number;
}

/** One sentence: where it is in the original text, what is said, and the word map between them. */
export interface SpokenSentence {
  /** The sentence as written. */
  text: string;
  /** What is said: the text for the phonemizer. */
  spoken: string;
  start: number;
  end: number;
  words: SpokenWord[];
}

/** The result of {@link normalizeForSpeech}. */
export interface SpokenText {
  /** Sentences joined by a space. */
  spoken: string;
  sentences: SpokenSentence[];
}

const TERMINAL_END = /[.!?…。！？]["'”’»)\]]*$/u;

/**
 * The standard text front end: splits a text into sentences ({@link splitSentences}) and reads
 * each into what a person would say ({@link readSentence}: numbers, dates, money, units,
 * abbreviations, links, acronyms …), keeping for every spoken word the offsets of the characters
 * it came from. A sentence that ended at a line break (a heading, a list item) or whose closing
 * mark was part of an abbreviation (`a.m.`) ends with a full stop.
 *
 * @param text the text as the user wrote it
 * @param language the voice's language rules (see `textLanguageFor`); undefined: split only
 */
export function normalizeForSpeech(text: string, language: TextLanguage | undefined): SpokenText {
  const sentences = [...spokenSentences(text, language)];
  return { spoken: sentences.map((s) => s.spoken).join(" "), sentences };
}

/**
 * The sentences of {@link normalizeForSpeech}, one at a time (a caller reading a book can
 * yield to its event loop between them).
 */
export function* spokenSentences(text: string, language: TextLanguage | undefined): Generator<SpokenSentence> {
  for (const span of splitSentences(text, language)) {
    const pieces = readSentence(text, span.start, span.end, language);
    let spoken = join(pieces);
    if (spoken === "") continue;
    if (span.lineEnd || (TERMINAL_END.test(text.slice(span.start, span.end)) && !TERMINAL_END.test(spoken))) {
      spoken = `${spoken.replace(/[,;:]+$/u, "")}.`;
    }
    yield { text: text.slice(span.start, span.end), spoken, start: span.start, end: span.end, words: words(pieces) };
  }
}

function join(pieces: readonly SpokenPiece[]): string {
  let out = "";
  for (const piece of pieces) {
    if (piece.spoken === "") continue;
    out += out === "" || piece.glue ? piece.spoken : ` ${piece.spoken}`;
  }
  return out.trim();
}

function words(pieces: readonly SpokenPiece[]): SpokenWord[] {
  const out: SpokenWord[] = [];
  for (const piece of pieces) {
    for (const word of piece.spoken.split(/\s+/u)) {
      const bare = word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
      if (bare !== "") out.push({ word: bare, start: piece.start, end: piece.end });
    }
  }
  return out;
}
