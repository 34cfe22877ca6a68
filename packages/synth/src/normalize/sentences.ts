import type { TextLanguage } from "./language.js";

/** One sentence of the original text: `text.slice(start, end)`, white space trimmed. */
export interface SentenceSpan {
  start: number;
  end: number;
  /**
   * The sentence ended at a line break with no closing punctuation (a heading, a list item):
   * it is read as a sentence of its own, with a full stop and the pause between sentences.
   */
  lineEnd: boolean;
}

const TERMINAL = /[.!?…。！？]/u;
const CLOSING = /["'”’»)\]]/u;
const SPACE = /\s/u;
const UPPER_OR_DIGIT = /[\p{Lu}\p{N}"'“‘«(\[$€£¥#+]/u;
const LOWER = /\p{Ll}/u;
const LIST_MARKER = /^(?:[-*•‣◦–—]|\d{1,3}[.)]|[a-z][.)])\s/u;
/** A line of at least this many characters followed by a lower-case line is wrapped prose. */
const WRAPPED_LINE_CHARS = 40;

/**
 * Splits a text into sentences, with offsets into it. A sentence ends at `.` `!` `?` `…` (and
 * closing quotes or brackets after them) followed by white space and a capital letter, a digit
 * or the end; not after an abbreviation that never ends a sentence (`Dr.`, `e.g.`, `z.B.`), an
 * initial (`J. R. R. Tolkien`), a number before a month or at the start of a list item, nor
 * before a lower-case word. A decimal point is never followed by a space, so never a candidate.
 * A blank line always ends a sentence; a single line break does too (a list item, a heading),
 * unless it wraps prose: a line of 40 characters or more followed by a lower-case word.
 *
 * @param text the original text
 * @param language the language's abbreviations and month names; without one, only the generic rules
 */
export function splitSentences(text: string, language?: TextLanguage): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let start = skipSpace(text, 0);
  const push = (end: number, lineEnd: boolean, next: number) => {
    let e = end;
    while (e > start && SPACE.test(text[e - 1]!)) e--;
    if (e > start) spans.push({ start, end: e, lineEnd });
    start = skipSpace(text, next);
  };
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      const lineStart = text.lastIndexOf("\n", i - 1) + 1;
      const line = text.slice(lineStart, i).trim();
      const nextStart = skipSpace(text, i);
      const blank = /\n[^\S\n]*\n/u.test(text.slice(i, nextStart + 1));
      const nextLine = text.slice(nextStart, text.indexOf("\n", nextStart) === -1 ? text.length : text.indexOf("\n", nextStart));
      const wrapped = !blank && line.length >= WRAPPED_LINE_CHARS && LOWER.test(nextLine[0] ?? "") && !LIST_MARKER.test(nextLine) && !line.endsWith(":");
      if (!wrapped && start < i) {
        push(i, !TERMINAL.test(line.replace(/["'”’»)\]]+$/u, "").slice(-1)), nextStart);
        i = start;
        continue;
      }
      i++;
      continue;
    }
    if (TERMINAL.test(c)) {
      let end = i + 1;
      while (end < text.length && (TERMINAL.test(text[end]!) || CLOSING.test(text[end]!))) end++;
      const after = skipInlineSpace(text, end);
      const atEnd = after >= text.length;
      if (atEnd) break;
      if (text[after] === "\n") {
        i = after; // the line-break rule decides, with lineEnd false
        push(end, false, after);
        i = start;
        continue;
      }
      if (after > end && UPPER_OR_DIGIT.test(text[after]!) && endsSentence(text, start, i, end, after, language)) {
        push(end, false, after);
        i = start;
        continue;
      }
      i = end;
      continue;
    }
    i++;
  }
  // The last line of a list or a text of lines: a sentence like the lines before it.
  const lastLine = text.slice(start).trim();
  if (start < text.length)
    push(text.length, lastLine !== "" && text.lastIndexOf("\n", start) >= 0 && !TERMINAL.test(lastLine.replace(/["'”’»)\]]+$/u, "").slice(-1)), text.length);
  return spans;
}

/** Whether the terminal mark at `mark` (a run up to `end`, next word at `next`) ends the sentence. */
function endsSentence(text: string, sentenceStart: number, mark: number, end: number, next: number, language?: TextLanguage): boolean {
  if (text[mark] !== "." || end - mark > 1) return true; // ! ? … and runs such as `?!` or `..`
  let wordStart = mark;
  while (wordStart > sentenceStart && !SPACE.test(text[wordStart - 1]!)) wordStart--;
  const word = text.slice(wordStart, mark + 1).replace(/^["'“‘«(\[]+/u, "");
  const nextWord = /^[^\s]+/u.exec(text.slice(next))?.[0] ?? "";
  // A dot inside a written abbreviation (`z. B.`, `d. h.`).
  if (
    language &&
    [...language.abbreviations.keys()].some((key) => key.indexOf(".") < key.length - 1 && text.startsWith(key, wordStart) && wordStart + key.length > mark + 1)
  )
    return false;
  // A German street and its house number (`Hauptstr. 5`).
  if (language?.tag === "de" && /str\.$/u.test(word) && /^\d/u.test(nextWord)) return false;
  // An initial: one capital letter (J. R. R. Tolkien).
  if (/^\p{Lu}\.$/u.test(word)) return false;
  // A number at the start of a list item (`1. Milk`), or a German ordinal before a month.
  if (/^\d+\.$/u.test(word)) {
    if (wordStart === sentenceStart && wordStart === lineStartOf(text, wordStart)) return false;
    if (language?.monthByName.has(nextWord.replace(/\.$/u, ""))) return false;
    // A German ordinal after an article (`der 2. Weltkrieg`).
    const before = /(\S+)\s+$/u.exec(text.slice(sentenceStart, wordStart))?.[1] ?? "";
    if (language?.tag === "de" && /^(?:der|die|das|den|dem|des|am|im|zum|zur|vom|beim)$/iu.test(before)) return false;
    return true;
  }
  if (language) {
    const abbreviation = findAbbreviation(language, text.slice(sentenceStart, mark + 1));
    if (abbreviation) {
      if (abbreviation.key === "St." && language.tag.startsWith("en")) return streetBefore(text, sentenceStart, mark - 2);
      return abbreviation.entry.mayEndSentence === true;
    }
  }
  // Dotted letters (U.N.) read as letters: they may end a sentence.
  return true;
}

/** The longest abbreviation of `language` that `head` ends with, at a word start. */
export function findAbbreviation(language: TextLanguage, head: string): { key: string; entry: { spoken: string; mayEndSentence?: boolean } } | undefined {
  let best: { key: string; entry: { spoken: string; mayEndSentence?: boolean } } | undefined;
  for (const [key, entry] of language.abbreviations) {
    if (!head.endsWith(key)) continue;
    const before = head[head.length - key.length - 1];
    if (before !== undefined && /[\p{L}\p{N}.]/u.test(before)) continue;
    if (!best || key.length > best.key.length) best = { key, entry };
  }
  return best;
}

/**
 * `St.` is a street after a capitalised name or a number (`221B Baker St.`), a saint
 * otherwise (`St. Louis`); `at` is the index of the `S`'s preceding character.
 */
export function streetBefore(text: string, sentenceStart: number, at: number): boolean {
  const head = text.slice(sentenceStart, Math.max(sentenceStart, at)).trimEnd();
  const prev = /(\S+)$/u.exec(head)?.[1] ?? "";
  return head.length > 0 && (/^\p{Lu}\p{Ll}/u.test(prev) || /\d/u.test(prev)) && !/^(?:in|at|to|on|visit)$/iu.test(prev);
}

function lineStartOf(text: string, index: number): number {
  let i = index;
  while (i > 0 && text[i - 1] !== "\n" && SPACE.test(text[i - 1]!)) i--;
  return i === 0 || text[i - 1] === "\n" ? index : -1;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (SPACE.test(text[i]!) || /[\p{Cc}\p{Cf}]/u.test(text[i]!))) i++;
  return i;
}

function skipInlineSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && text[i] !== "\n" && SPACE.test(text[i]!)) i++;
  return i;
}
