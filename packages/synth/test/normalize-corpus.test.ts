import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeForSpeech, textLanguageFor } from "../src/normalize/index.js";

/** The espeak voice that stands for each corpus language. */
const VOICES: Record<string, string> = { "en-US": "en-us", "en-GB": "en-gb-x-rp", de: "de" };

interface Case {
  line: number;
  language: string;
  input: string;
  expected: string;
}

const cases: Case[] = readFileSync(join(import.meta.dirname, "corpus", "normalization.tsv"), "utf8")
  .split("\n")
  .map((row, i) => ({ row, line: i + 1 }))
  .filter(({ row }) => row.trim() !== "" && !row.startsWith("#"))
  .map(({ row, line }) => {
    const [language = "", input = "", expected = ""] = row.split("\t");
    return { line, language, input: input.replaceAll("\\n", "\n"), expected };
  });

const said = (c: Case): string =>
  normalizeForSpeech(c.input, textLanguageFor(VOICES[c.language]!))
    .sentences.map((s) => s.spoken)
    .join(" | ");

describe("normalization corpus (test/corpus/normalization.tsv)", () => {
  it("has at least 150 cases in English and German", () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(cases.filter((c) => c.language === "de").length).toBeGreaterThanOrEqual(40);
    for (const c of cases) expect(Object.keys(VOICES), `line ${c.line}`).toContain(c.language);
  });

  it("says every case as expected", () => {
    const failures = cases
      .map((c) => ({ c, got: said(c) }))
      .filter(({ c, got }) => got !== c.expected)
      .map(({ c, got }) => `  line ${c.line} [${c.language}] ${JSON.stringify(c.input)}\n    expected: ${c.expected}\n    got:      ${got}`);
    if (failures.length > 0) console.log(`${failures.length} of ${cases.length} corpus cases differ:\n${failures.join("\n")}`);
    else console.log(`normalization corpus: ${cases.length} of ${cases.length} cases as expected`);
    expect(failures).toEqual([]);
  });

  it("maps every spoken word back to characters of the original text", () => {
    for (const c of cases) {
      for (const sentence of normalizeForSpeech(c.input, textLanguageFor(VOICES[c.language]!)).sentences) {
        expect(c.input.slice(sentence.start, sentence.end)).toBe(sentence.text);
        let last = sentence.start;
        for (const word of sentence.words) {
          expect(word.start, `${c.input}: ${word.word}`).toBeGreaterThanOrEqual(last);
          expect(word.end).toBeLessThanOrEqual(sentence.end);
          expect(word.end).toBeGreaterThan(word.start);
          last = word.start;
        }
      }
    }
  });
});
