/** A timed word, as a job's result holds it. */
export interface TimedWord {
  word: string;
  start_s: number;
  end_s: number;
}

/** Caption formats of `GET /v1/jobs/:id/captions`. */
export const CAPTION_FORMATS = ["vtt", "srt"] as const;
export type CaptionFormat = (typeof CAPTION_FORMATS)[number];

/** Most words in one cue; a cue also ends after a sentence mark or a pause of 0.5 s or more. */
const WORDS_PER_CUE = 8;
const PAUSE_S = 0.5;

/**
 * Word timings → captions: WebVTT (`text/vtt`, W3C WebVTT) or SubRip (`.srt`). Words are grouped
 * into cues of at most eight, ending early after `.` `!` `?` (not after a title such as `Dr.`)
 * or before a pause of half a second.
 */
export function captions(words: readonly TimedWord[], format: CaptionFormat): string {
  const cues: TimedWord[][] = [];
  let cue: TimedWord[] = [];
  for (const [i, w] of words.entries()) {
    cue.push(w);
    const next = words[i + 1];
    const sentenceEnd = /[.!?]["')\]]*$/u.test(w.word) && !/^\p{Lu}\p{Ll}{0,2}\.$/u.test(w.word); // not after Dr., St.
    if (!next || cue.length >= WORDS_PER_CUE || sentenceEnd || next.start_s - w.end_s >= PAUSE_S) {
      cues.push(cue);
      cue = [];
    }
  }
  const stamp = (s: number) => {
    const ms = Math.round(s * 1000);
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    const sep = format === "vtt" ? "." : ",";
    return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
  };
  const blocks = cues.map(
    (c, i) => `${format === "srt" ? `${i + 1}\n` : ""}${stamp(c[0]!.start_s)} --> ${stamp(c.at(-1)!.end_s)}\n${c.map((w) => w.word).join(" ")}\n`,
  );
  return format === "vtt" ? `WEBVTT\n\n${blocks.join("\n")}` : blocks.join("\n");
}
