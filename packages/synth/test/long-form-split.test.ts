import { describe, expect, it } from "vitest";
import { normalizeForSpeech, textLanguageFor } from "../src/normalize/index.js";
import { splitLongText } from "../src/index.js";

const VOICE = { espeakVoice: "en-us", languageCode: "en_US" };
const language = textLanguageFor(VOICE.espeakVoice, VOICE.languageCode);
const spoken = (text: string) => normalizeForSpeech(text, language).sentences.map((s) => s.spoken);

// Shapes whose reading depends on what surrounds a sentence: list lines and headings (a full
// stop added at a line end), abbreviations, initials, wrapped lines, quotes.
const parts = [
  "The quick brown fox jumps over the lazy dog.",
  "Dr. Smith paid $3.14 on Jan. 5, 2024, e.g. for coffee at 10 a.m. Then he left.",
  "Shopping list:\n1. Milk\n2. Bread\n- Eggs",
  "Chapter 12\n\nIt was a dark and stormy night; the rain fell in torrents, except at\noccasional intervals, when it was checked.",
  "Is it raining?! Wait... what happened next? He met J. R. R. Tolkien in St. Louis.",
  "\u201cQuoted,\u201d she said. (Then she left.) The U.N. met on Monday. Mr. Brown lives at 221B Baker St. He is 5 ft. tall.",
];
const separators = [" ", "\n", "\n\n", "  "];
const text = Array.from({ length: 60 }, (_, i) => parts[(i * 7) % parts.length]! + separators[i % separators.length]!).join("");

describe("splitLongText", () => {
  it("gives chunks that, each read on its own, say exactly the whole text's sentences", async () => {
    // The premise: many of these sentences read differently alone (a list line gets no full stop).
    const whole = normalizeForSpeech(text, language).sentences;
    const differAlone = whole.filter((s) => JSON.stringify(spoken(text.slice(s.start, s.end))) !== JSON.stringify([s.spoken]));
    expect(differAlone.length).toBeGreaterThan(10);
    for (const target of [1, 60, 300, 2_000]) {
      const chunks = await splitLongText(text, VOICE, target);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.flatMap(spoken)).toEqual(whole.map((s) => s.spoken));
    }
  });

  it("fills chunks up to the target with whole sentences", async () => {
    const prose = Array.from({ length: 200 }, (_, i) => `Sentence number ${i + 1} is here.`).join(" ");
    const chunks = await splitLongText(prose, VOICE, 500);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(500);
      expect(chunk).toMatch(/^Sentence number \d+ is here\.( Sentence number \d+ is here\.)*$/);
    }
    // Full: the next sentence would not have fitted.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThan(500 - "Sentence number 200 is here. ".length);
    expect(chunks.join(" ")).toBe(prose);
  });

  it("keeps a sentence longer than the target whole, and gives nothing for a text with nothing to say", async () => {
    const long = `Word${" word".repeat(100)}.`;
    expect(await splitLongText(`Short one. ${long} Short two.`, VOICE, 50)).toEqual(["Short one.", long, "Short two."]);
    expect(await splitLongText(" \n ", VOICE, 50)).toEqual([]);
  });
});
