import { describe, expect, it } from "vitest";
import { phonemize } from "../src/phonemize/index.js";
import { chunkText, DEFAULT_CHUNK_BYTES } from "../src/text/index.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const sentences = (text: string) => phonemize(text, "en-us").map((s) => s.join(""));

// A long text assembled from sentence shapes espeak treats differently at their ends.
const parts = [
  "The quick brown fox jumps over the lazy dog.",
  "Dr. Smith paid 3.14 dollars, e.g. for coffee.",
  "Is it raining?!",
  "Wait... what happened next?",
  "\u201cQuoted,\u201d she said; then she left: quickly.",
  "Über alles, naïve café!",
];
const long = Array.from({ length: 60 }, (_, i) => parts[i % parts.length]).join(" ");

describe("chunkText", () => {
  it("yields nothing for an empty text and the text itself when it fits", () => {
    expect([...chunkText("")]).toEqual([]);
    expect([...chunkText("Short. Text.")]).toEqual(["Short. Text."]);
  });

  it("keeps every chunk within maxBytes and loses nothing", () => {
    for (const maxBytes of [64, 200, DEFAULT_CHUNK_BYTES]) {
      const chunks = [...chunkText(long, { maxBytes })];
      expect(chunks.join("")).toBe(long);
      for (const c of chunks) expect(bytes(c)).toBeLessThanOrEqual(maxBytes);
    }
  });

  it("cuts only where espeak ends a sentence, so the sentences are Piper's", () => {
    const chunks = [...chunkText(long, { maxBytes: 300 })];
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flatMap(sentences)).toEqual(sentences(long));
  });

  it("hard-splits an unpunctuated run at spaces, below espeak's ~800-byte clause limit", () => {
    const run = Array.from({ length: 400 }, (_, i) => `word${i % 7}`).join(" ");
    const chunks = [...chunkText(run)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(bytes(c)).toBeLessThanOrEqual(DEFAULT_CHUNK_BYTES);
      expect(c.endsWith(" ") || c === chunks.at(-1)).toBe(true);
    }
  });

  it("splits a run with no space at all at the byte limit, on code point boundaries", () => {
    const chunks = [...chunkText("\u{1F600}".repeat(50) + "ä".repeat(50), { maxBytes: 30 })];
    expect(chunks.join("")).toBe("\u{1F600}".repeat(50) + "ä".repeat(50));
    for (const c of chunks) {
      expect(bytes(c)).toBeLessThanOrEqual(30);
      expect(/\p{Cs}/u.test(c)).toBe(false); // no lone surrogate
    }
  });

  it("rejects a limit smaller than one code point", () => {
    expect(() => [...chunkText("abc", { maxBytes: 2 })]).toThrow(RangeError);
  });
});
