/** Options of {@link normalizeText}. */
export interface NormalizeOptions {
  /**
   * End every line that has no closing punctuation with a full stop, so that headings and
   * list items become sentences. Off by default: Piper reads a single newline as a space
   * and runs such lines together (rhasspy/piper#349), and the default keeps Piper's output.
   * @defaultValue false
   */
  impliedFullStops?: boolean;
}

// C0/C1 controls except tab and line feed (carriage returns are turned into line feeds
// first), the BOM / zero-width no-break space, and non-characters.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufeff\ufffe\uffff]/gu;
// Horizontal white space: tabs, spaces, no-break and typographic spaces.
const HORIZONTAL_SPACE = /[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/gu;
const LINE_BREAK = /\r\n?|[\u0085\u2028]/gu;
// A line ends in a clause or sentence mark (optionally followed by closing quotes/brackets).
const CLOSED_LINE = /[.!?,;:…。！？、，；：।॥]["'’”»)\]]*$/u;

/**
 * Cleans text before phonemization without changing what Piper would say: Unicode NFC,
 * control characters removed, `\r\n` / `\r` / U+2028 / U+0085 as `\n`, runs of spaces and
 * tabs as one space, spaces trimmed around line breaks and at both ends, and three or more
 * line breaks as two (espeak reads any blank line as the same paragraph break). A single
 * line break is kept: espeak reads it as a space, so it does not end a sentence
 * (rhasspy/piper#349) unless `impliedFullStops` is set.
 *
 * @param text raw input text
 * @returns the normalised text (possibly empty)
 */
export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  let out = text
    .normalize("NFC")
    .replace(LINE_BREAK, "\n")
    .replace(CONTROL, "")
    .replace(HORIZONTAL_SPACE, " ")
    .replace(/ ?\n ?/gu, "\n")
    .replace(/\n{3,}/gu, "\n\n")
    .trim();
  if (options.impliedFullStops) {
    out = out
      .split("\n")
      .map((line) => (line === "" || CLOSED_LINE.test(line) ? line : `${line}.`))
      .join("\n");
  }
  return out;
}
