import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { phonemize } from "../src/phonemize/index.js";
import { normalizeText } from "../src/text/index.js";

const vectors = JSON.parse(readFileSync(new URL("./fixtures/piper-phonemes.json", import.meta.url), "utf8")) as {
  text: string;
  voice: string;
  source: string;
  tool: string;
}[];

describe("normalizeText", () => {
  it("leaves every fixture text, and so its phonemes, unchanged", () => {
    for (const v of vectors) {
      expect(normalizeText(v.text)).toBe(v.text);
      if (`${v.source} ${v.tool}`.includes("NOT piper")) continue; // en-gb: not a voice name espeak 1.51 knows
      expect(phonemize(normalizeText(v.text), v.voice)).toEqual(phonemize(v.text, v.voice));
    }
  });

  it("composes to NFC", () => {
    expect(normalizeText("c\u0327a")).toBe("\u00e7a");
  });

  it("collapses runs of spaces and tabs, and trims", () => {
    expect(normalizeText("  a \t\t b\u00a0\u00a0c  ")).toBe("a b c");
  });

  it("removes control characters but keeps line breaks", () => {
    expect(normalizeText("a\u0000b\u0007c\u001b[0m\ufeffd\ne")).toBe("abc[0md\ne");
  });

  it("unifies line breaks and keeps a blank line as one paragraph break", () => {
    expect(normalizeText("a \r\n b\rc\u2028d")).toBe("a\nb\nc\nd");
    expect(normalizeText("a\n \n\n\n b")).toBe("a\n\nb");
  });

  it("keeps a single newline from ending a sentence (rhasspy/piper#349)", () => {
    expect(phonemize(normalizeText("Apple\nBanana"), "en-us")).toHaveLength(1);
  });

  it("adds a full stop to open lines only when asked", () => {
    const text = "Fruits:\nApple\nBanana!\n\n“Quoted.”";
    expect(normalizeText(text, { impliedFullStops: true })).toBe("Fruits:\nApple.\nBanana!\n\n“Quoted.”");
    expect(phonemize(normalizeText("Apple\nBanana", { impliedFullStops: true }), "en-us")).toHaveLength(2);
  });
});
