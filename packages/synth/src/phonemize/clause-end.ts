import { type ClauseKind, clauseKind, endsSentence, needsNoSpaceAfter, terminatorPhonemes } from "./clause-punctuation.js";

/** How one espeak clause ended, as piper-phonemize reports it. */
export interface ClauseEnd {
  /** The clause punctuation espeak ended on, if any. */
  kind: ClauseKind | undefined;
  /** Phonemes Piper appends after the clause: `.` `?` `!`, or `,` `:` `;` plus a space, or none. */
  phonemes: string[];
  /** True when the next clause starts a new sentence (one `session.run` each). */
  endsSentence: boolean;
}

const NO_END: ClauseEnd = { kind: undefined, phonemes: [], endsSentence: false };
const SENTENCE_BREAK: ClauseEnd = { kind: undefined, phonemes: [], endsSentence: true };

const FULL_STOP = 0x2e;
const NEWLINE = 0x0a;
// espeak's iswspace (U+2029 is clause punctuation there, not a space).
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u202f\u205f\u3000]/u;
const ALNUM = /[\p{L}\p{N}]/u;
const LOWER = /\p{Ll}/u;
// Characters after which espeak still ends a clause with no space between (its IsBracket).
const BRACKET = /[()[\]{}<>"'`\u00ab\u00bb\u2014-\u206f\u300a\u300b]/u;

const is = (pattern: RegExp, codePoint: number | undefined): boolean => codePoint !== undefined && pattern.test(String.fromCodePoint(codePoint));

/**
 * Recovers the clause terminator that `espeak_TextToPhonemesWithTerminator` would report,
 * from the text one `espeak_TextToPhonemes` call consumed (espeak-ng 1.51 has no
 * WithTerminator variant). Mirrors espeak's `ReadClause`: espeak reads one character past
 * the clause and the spaces after it, and pushes that character back; the first
 * punctuation mark of a run decides its type (`?!` is a question, `,.` a comma); three or
 * more dots are an ellipsis; two or more newlines after it make a paragraph break (a
 * sentence end with no punctuation); `.` before a lower-case word on the same line, and punctuation in a
 * clause with no letter or digit end nothing; the end of the text ends the sentence.
 *
 * @param span the text this clause was read from: from the character the previous call
 *   pushed back (if any) up to where espeak left its text pointer
 * @param atEnd espeak reached the end of the text (its pointer became NULL)
 */
export function clauseEnd(span: string, atEnd: boolean): ClauseEnd {
  const cps = Array.from(span, (c) => c.codePointAt(0)!);
  let end = cps.length;
  // The character espeak read past the clause and pushed back for the next one.
  const lookahead = atEnd ? undefined : cps[end - 1];
  if (!atEnd && end > 0) end--;

  let newlines = 0;
  let spaced = false;
  while (end > 0 && is(SPACE, cps[end - 1])) {
    if (cps[end - 1] === NEWLINE) newlines++;
    spaced = true;
    end--;
  }
  const paragraph = newlines >= 2;

  let runStart = end;
  while (runStart > 0 && clauseKind(cps[runStart - 1]!) !== undefined) runStart--;
  if (runStart === end) return atEnd || paragraph ? SENTENCE_BREAK : NO_END;

  const first = cps[runStart]!;
  const ellipsis = first === FULL_STOP && cps[runStart + 1] === FULL_STOP && cps[runStart + 2] === FULL_STOP;
  const kind: ClauseKind = ellipsis ? "clause" : clauseKind(first)!;

  const hasAlnum = cps.slice(0, runStart).some((c) => is(ALNUM, c));
  const followedByBreak = atEnd || spaced || needsNoSpaceAfter(kind) || is(BRACKET, lookahead);
  // espeak checks the next word's case only when no newline follows the dot.
  const abbreviation = kind === "period" && newlines === 0 && is(LOWER, lookahead);
  if (!hasAlnum || !followedByBreak || abbreviation) {
    // Not a clause end: espeak broke a long clause here, or the text simply ended.
    return atEnd || paragraph ? SENTENCE_BREAK : NO_END;
  }
  if (paragraph) return SENTENCE_BREAK;
  return { kind, phonemes: terminatorPhonemes(kind), endsSentence: endsSentence(kind) };
}
