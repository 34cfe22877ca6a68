import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { phonemeIds } from "../src/phoneme-ids.js";
import { espeakInfo, phonemize } from "../src/phonemize/index.js";
import { parseVoiceConfig, type PiperVoiceConfig } from "../src/voice-config.js";

interface Vector {
  text: string;
  voice: string;
  phonemes: string;
  phoneme_list?: string[];
  sentences?: string[];
  ids: number[] | null;
  source: string;
  tool: string;
  note?: string;
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const config = (name: string): PiperVoiceConfig => parseVoiceConfig(fixture(`${name}.onnx.json`), name);

const vectors = (fixture("piper-phonemes.json") as Vector[]).filter((v) => !`${v.source} ${v.tool}`.includes("NOT piper"));
const lessac = config("en_US-lessac-medium");
const thorsten = config("de_DE-thorsten-low");

/** Expected sentences as code points: the fixture's own phoneme list where it has one, else its NFD strings. */
function expectedSentences(v: Vector): string[][] {
  if (v.phoneme_list && !v.sentences) return [v.phoneme_list];
  return (v.sentences ?? [v.phonemes]).map((s) => Array.from(s.normalize("NFD")));
}

const rates = new Map<string, { phonemes: [number, number]; ids: [number, number] }>();
function count(voice: string, kind: "phonemes" | "ids", ok: boolean): void {
  const r = rates.get(voice) ?? { phonemes: [0, 0], ids: [0, 0] };
  r[kind][1]++;
  if (ok) r[kind][0]++;
  rates.set(voice, r);
}

afterAll(() => {
  const { version, dataPath } = espeakInfo();
  const lines = [...rates].map(([voice, r]) => `  ${voice}: phonemes ${r.phonemes[0]}/${r.phonemes[1]}, ids ${r.ids[0]}/${r.ids[1]}`);
  console.log(`Piper vectors, exact matches (espeak-ng ${version}, ${dataPath}):\n${lines.join("\n")}`);
});

describe("phonemize matches Piper's own vectors (piper-phonemes.json)", () => {
  it("has Piper vectors for en-us and de", () => {
    expect(vectors.filter((v) => v.voice === "en-us").length).toBeGreaterThan(5);
    expect(vectors.filter((v) => v.voice === "de").length).toBeGreaterThan(5);
  });

  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.voice} ${JSON.stringify(v.text.slice(0, 40))}`, () => {
      const got = phonemize(v.text, v.voice);
      count(v.voice, "phonemes", JSON.stringify(got) === JSON.stringify(expectedSentences(v)));
      expect(got).toEqual(expectedSentences(v));
      if (v.ids) {
        // The vectors' ids were made with piper-phonemize's default map (the one lessac ships).
        const ids = got.flatMap((sentence) => phonemeIds(sentence, lessac).ids);
        count(v.voice, "ids", JSON.stringify(ids) === JSON.stringify(v.ids));
        expect(ids).toEqual(v.ids);
      }
    });
  }

  it("de_DE-thorsten-low (130 symbols) gives the vectors' ids less its missing phonemes", () => {
    for (const v of vectors.filter((x) => x.voice === "de" && x.ids)) {
      const sentences = phonemize(v.text, v.voice);
      const expectedMissing = new Map<string, number>();
      const kept: number[] = [];
      // Drop each (id, pad) pair whose phoneme thorsten-low lacks, from the fixture's ids.
      const flat = sentences.flat();
      const vIds = v.ids!;
      let k = 2;
      for (const phoneme of flat) {
        if (!Object.hasOwn(thorsten.phoneme_id_map, phoneme)) expectedMissing.set(phoneme, (expectedMissing.get(phoneme) ?? 0) + 1);
        else kept.push(vIds[k]!, vIds[k + 1]!);
        k += 2;
      }
      const { ids, missing } = phonemeIds(flat, thorsten);
      expect(ids).toEqual([...vIds.slice(0, 2), ...kept, vIds.at(-1)!]);
      expect(missing).toEqual(expectedMissing);
    }
  });
});

describe("phonemize: espeak clause handling beyond the vectors", () => {
  const joined = (text: string, voice = "en-us") => phonemize(text, voice).map((s) => s.join(""));

  it("gives each sentence-type clause its own sentence and keeps commas in it", () => {
    const s = joined("One, two. Three? Four!");
    expect(s).toHaveLength(3);
    expect(s[0]).toMatch(/, .*\.$/u);
    expect(s[1]).toMatch(/\?$/u);
    expect(s[2]).toMatch(/!$/u);
  });

  it("treats an ellipsis as a clause end without punctuation, and '?!' as a question", () => {
    const s = joined("Wait... what?! Yes.");
    expect(s).toHaveLength(2);
    expect(s[0]).not.toContain(".");
    expect(s[0]).toMatch(/\?$/u);
  });

  it("ends a sentence at a blank line, not at a single newline (rhasspy/piper#349)", () => {
    expect(joined("one\ntwo")).toHaveLength(1);
    expect(joined("one\n\ntwo")).toHaveLength(2);
  });

  it("finds the terminator after a multi-byte look-ahead character", () => {
    const s = joined("Das ist gut. Über alles.", "de");
    expect(s).toHaveLength(2);
    expect(s[0]).toMatch(/\.$/u);
  });

  it("does not carry espeak's read-ahead character into the next text", () => {
    const alone = joined("Zoë test");
    joined("x..");
    expect(joined("Zoë test")).toEqual(alone);
  });

  it("removes language-switch flags", () => {
    expect(joined("test", "ar").join("")).not.toMatch(/[()]/u);
  });

  it("rejects an unknown voice", () => {
    expect(() => phonemize("test", "no-such-voice")).toThrow(/voice/u);
  });
});
