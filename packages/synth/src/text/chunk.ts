import { clauseKind } from "../phonemize/clause-punctuation.js";

/** Options of {@link chunkText}. */
export interface ChunkOptions {
  /**
   * Largest chunk, in UTF-8 bytes. Below espeak's clause buffer (about 800 bytes,
   * espeak-ng#988), so espeak never has to cut a chunk's clause where it likes.
   * @defaultValue 600
   */
  maxBytes?: number;
}

/** Default largest chunk, in UTF-8 bytes. */
export const DEFAULT_CHUNK_BYTES = 600;

const SPACE_RUN = /\s+/gu;
const LOWER = /\p{Ll}/u;
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Splits a long text into pieces of at most `maxBytes` UTF-8 bytes, so that a very long
 * input is phonemized and synthesized piece by piece with bounded memory (rhasspy/piper#120).
 * Cuts go, in order of preference, where espeak itself ends a sentence (`.` `?` `!` and the
 * like followed by a space, `.` not before a lower-case word on the same line; or a blank
 * line), so that the pieces' sentences are exactly those of the whole text; then after a
 * clause mark (`,` `;` `:` …) and a space; then at a space; and only for a run with no space
 * at all, at the byte limit. The pieces, joined, give back the text.
 *
 * @param text the (normalised) text
 * @returns the pieces, lazily; none for an empty text
 * @throws RangeError when `maxBytes` < 4 (one code point must fit)
 */
export function* chunkText(text: string, options: ChunkOptions = {}): Generator<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_CHUNK_BYTES;
  if (!(maxBytes >= 4)) throw new RangeError(`maxBytes must be at least 4, got ${maxBytes}`);
  let start = 0;
  while (start < text.length) {
    const limit = endWithinBytes(text, start, maxBytes);
    if (limit >= text.length) {
      yield text.slice(start);
      return;
    }
    const cut = bestCut(text, start, limit);
    yield text.slice(start, cut);
    start = cut;
  }
}

/** The largest index `end` such that `text.slice(start, end)` fits in `maxBytes` UTF-8 bytes. */
function endWithinBytes(text: string, start: number, maxBytes: number): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** Where to end the chunk that starts at `start` and may not pass `limit`. */
function bestCut(text: string, start: number, limit: number): number {
  let sentence = -1;
  let clause = -1;
  let space = -1;
  const window = text.slice(start, limit);
  const hasAlnumBefore = (end: number) => ALNUM.test(window.slice(0, end));
  for (const match of window.matchAll(SPACE_RUN)) {
    const wsStart = match.index;
    const wsEnd = wsStart + match[0].length;
    if (wsStart === 0) continue;
    space = start + wsEnd;
    const kind = markBefore(window, wsStart);
    if (match[0].includes("\n\n") || /\n\s*\n/u.test(match[0])) {
      sentence = start + wsEnd;
    } else if (kind !== undefined && hasAlnumBefore(wsStart)) {
      clause = start + wsEnd;
      const next = text[start + wsEnd] ?? "";
      const endsSentence =
        kind === "question" || kind === "exclamation" || kind === "sentence" || (kind === "period" && (match[0].includes("\n") || !LOWER.test(next)));
      if (endsSentence) sentence = start + wsEnd;
    }
  }
  for (const cut of [sentence, clause, space]) if (cut > start) return cut;
  return limit > start ? limit : start + 1;
}

/**
 * The clause kind espeak gives the punctuation run that ends just before `end`: its first
 * mark decides, and three dots are an ellipsis (not a sentence end).
 */
function markBefore(window: string, end: number): ReturnType<typeof clauseKind> {
  let i = end;
  while (i > 0 && clauseKind(window.codePointAt(i - 1)!) !== undefined) i--;
  if (i === end) return undefined;
  if (window.startsWith("...", i)) return "clause";
  return clauseKind(window.codePointAt(i)!);
}
