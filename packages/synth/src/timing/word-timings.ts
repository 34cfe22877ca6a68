import type { PreparedText } from "../prepare.js";

/** One word of the original text and when it is said, seconds from the start of the audio. */
export interface WordTiming {
  /** The word as written (`$5` once, though it is said `five dollars`). */
  word: string;
  start_s: number;
  end_s: number;
  /** Offsets of `word` in the original text (UTF-16 code units). */
  start: number;
  end: number;
}

/** A model input as synthesized: its ids, where its audio starts, its samples and its id durations. */
export interface TimedInput {
  sentence: number;
  ids: readonly number[];
  startSample: number;
  samples: number;
  /** Frames per id (the model's `durations`). */
  durations: Float32Array;
}

/**
 * Word timings over the original text from the model's phoneme durations. Each input's ids
 * (`^ _ p _ … $`) are cut into words at the space phoneme; a word's time runs from its first
 * id to its last (pads included), at `samples / Σ frames` samples per frame (the hop). Where
 * espeak's words and the front end's spoken words line up one to one they are paired; otherwise
 * the segment's spoken time is shared by character count. Spoken words from one written word
 * (`$5` → `five dollars`) become one entry.
 */
export function wordTimings(
  text: string,
  prepared: PreparedText,
  inputs: readonly TimedInput[],
  spaceId: number | undefined,
  sampleRate: number,
): WordTiming[] {
  const out: WordTiming[] = [];
  for (const segment of prepared.segments) {
    if (segment.words.length === 0) continue;
    const groups: [number, number][] = [];
    for (const input of inputs.filter((i) => segment.sentences.includes(i.sentence))) {
      const total = input.durations.reduce((a, d) => a + d, 0);
      if (total <= 0) continue;
      const hop = input.samples / total;
      let frame = 0;
      let open: [number, number] | undefined;
      input.ids.forEach((id, k) => {
        const from = input.startSample + frame * hop;
        frame += input.durations[k] ?? 0;
        const to = input.startSample + frame * hop;
        const inner = k >= 2 && k < input.ids.length - 1; // not ^ _ … $
        if (!inner || id === spaceId) {
          if (open) groups.push(open);
          open = undefined;
          return;
        }
        if (open) open[1] = to;
        else if (k % 2 === 0) open = [from, to]; // a phoneme (pads sit at odd positions)
      });
      if (open) groups.push(open);
    }
    if (groups.length === 0) continue;
    const words = segment.words;
    let spans: [number, number][];
    if (groups.length === words.length) spans = groups;
    else {
      const [first, last] = [groups[0]![0], groups.at(-1)![1]];
      const chars = words.map((w) => w.word.length + 1);
      const all = chars.reduce((a, c) => a + c, 0);
      let at = first;
      spans = chars.map((c) => {
        const span: [number, number] = [at, at + ((last - first) * c) / all];
        at = span[1];
        return span;
      });
    }
    words.forEach((w, i) => {
      const [from, to] = spans[i]!;
      const prev = out.at(-1);
      if (prev && prev.start === w.start && prev.end === w.end) prev.end_s = to / sampleRate;
      else out.push({ word: text.slice(w.start, w.end) || w.word, start_s: from / sampleRate, end_s: to / sampleRate, start: w.start, end: w.end });
    });
  }
  return out;
}
