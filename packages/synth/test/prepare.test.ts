import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareText } from "../src/prepare.js";
import { parseVoiceConfig } from "../src/voice-config.js";

const lessac = parseVoiceConfig(JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "en_US-lessac-medium.onnx.json"), "utf8")));
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "piper-phonemes.json"), "utf8")) as {
  text: string;
  voice: string;
  ids?: number[];
  sentences?: unknown[];
  source: string;
}[];

describe("prepareText", () => {
  it("gives Piper's ids for a multi-sentence Piper vector, one array per sentence", () => {
    const v = vectors.find((x) => x.text === "Test 1. Test 2." && x.ids)!;
    const prepared = prepareText(v.text, lessac, { textNormalization: "piper" });
    expect(prepared.sentences).toHaveLength(2);
    expect(prepared.sentences.flat()).toEqual(v.ids);
    // ^ _ (id _)* $ with one id per phoneme, none missing.
    expect(prepared.missing.size).toBe(0);
    expect(prepared.phonemes).toBe(prepared.sentences.reduce((n, ids) => n + (ids.length - 3) / 2, 0));
  });

  it("reads the text with the front end by default, keeping each sentence's source and words", () => {
    const prepared = prepareText("Dr. Smith paid $5.\nThanks", lessac);
    expect(prepared.segments.map((s) => s.spoken)).toEqual(["Doctor Smith paid five dollars.", "Thanks."]);
    expect(prepared.segments[0]!.words.slice(0, 2)).toEqual([
      { word: "Doctor", start: 0, end: 3 },
      { word: "Smith", start: 4, end: 9 },
    ]);
    expect(prepared.segments[1]!.sentences).toEqual([1]);
    expect(prepared.segments[0]!.phonemes).toContain("dˈɑːlɚz");
  });

  it("skips sentences with nothing pronounceable and reports none left for punctuation only", () => {
    expect(prepareText("...", lessac).sentences).toEqual([]);
    const mixed = prepareText("Hello. 🙂🙂. World.", lessac);
    expect(mixed.sentences.length).toBeGreaterThanOrEqual(2);
    for (const ids of mixed.sentences) expect(ids.length).toBeGreaterThan(3);
  });

  it("bounds sentence length for long unpunctuated text", () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i % 10}`).join(" ");
    const prepared = prepareText(text, lessac);
    expect(prepared.sentences.length).toBeGreaterThan(1);
    // 600-byte chunks: no sentence far beyond a chunk's worth of phonemes.
    for (const ids of prepared.sentences) expect(ids.length).toBeLessThan(2 * 600 * 2);
  });
});
