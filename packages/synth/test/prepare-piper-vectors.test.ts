import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareText } from "../src/prepare.js";
import { parseVoiceConfig, type PiperVoiceConfig } from "../src/voice-config.js";

interface Vector {
  text: string;
  voice: string;
  ids: number[] | null;
  source: string;
  tool: string;
}

const fixtures = join(import.meta.dirname, "fixtures");
const lessac = parseVoiceConfig(JSON.parse(readFileSync(join(fixtures, "en_US-lessac-medium.onnx.json"), "utf8")));
// The vectors' ids use piper-phonemize's default map (lessac's); only the espeak voice differs.
const configFor = (voice: string): PiperVoiceConfig => ({ ...lessac, espeak: { voice }, language: undefined });
const vectors = (JSON.parse(readFileSync(join(fixtures, "piper-phonemes.json"), "utf8")) as Vector[]).filter(
  (v) => v.ids && !`${v.source} ${v.tool}`.includes("NOT piper"),
);

const figures = { piper: [0, 0], standard: [0, 0] };
const standardMisses: string[] = [];

afterAll(() => {
  console.log(
    `Piper vectors with ids, exact phoneme-id matches: piper mode ${figures.piper[0]}/${figures.piper[1]}, ` +
      `standard mode ${figures.standard[0]}/${figures.standard[1]}` +
      (standardMisses.length ? `\n  standard mode reads differently: ${standardMisses.join(" | ")}` : ""),
  );
});

describe("both text_normalization modes against Piper's vectors", () => {
  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.voice} ${JSON.stringify(v.text.slice(0, 40))}`, () => {
      const piper = prepareText(v.text, configFor(v.voice), { textNormalization: "piper" }).sentences.flat();
      figures.piper[1]!++;
      if (JSON.stringify(piper) === JSON.stringify(v.ids)) figures.piper[0]!++;
      expect(piper).toEqual(v.ids);

      const standard = prepareText(v.text, configFor(v.voice), { textNormalization: "standard" }).sentences.flat();
      figures.standard[1]!++;
      if (JSON.stringify(standard) === JSON.stringify(v.ids)) figures.standard[0]!++;
      else standardMisses.push(JSON.stringify(v.text));
      // Prose with nothing to normalise reads as Piper reads it.
      if (!/\d/u.test(v.text)) expect(standard).toEqual(v.ids);
    });
  }
});
