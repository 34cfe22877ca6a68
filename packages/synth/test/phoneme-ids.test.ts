import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { phonemeIds } from "../src/phoneme-ids.js";
import { BOS, EOS, PAD, parseVoiceConfig, type PiperVoiceConfig } from "../src/voice-config.js";

const lessac = parseVoiceConfig(JSON.parse(readFileSync(new URL("./fixtures/en_US-lessac-medium.onnx.json", import.meta.url), "utf8")), "en_US-lessac-medium");
const id = (cfg: PiperVoiceConfig, p: string): number => cfg.phoneme_id_map[p]![0]!;

/** A small config built through the real schema, with a multi-id phoneme. */
function tinyConfig(extra: Record<string, unknown> = {}): PiperVoiceConfig {
  return parseVoiceConfig({
    audio: { sample_rate: 16000 },
    espeak: { voice: "en-us" },
    num_symbols: 10,
    num_speakers: 1,
    phoneme_id_map: { [PAD]: [0], [BOS]: [1], [EOS]: [2], a: [3], b: [4, 5], k: [6] },
    ...extra,
  });
}

describe("phonemeIds (piper-phonemize phoneme_ids.cpp)", () => {
  it("puts a pad after BOS and after every phoneme id group, none after EOS", () => {
    const cfg = tinyConfig();
    expect(phonemeIds(["a", "b", "a"], cfg).ids).toEqual([1, 0, 3, 0, 4, 5, 0, 3, 0, 2]);
  });

  it("uses the voice's own map", () => {
    const ids = phonemeIds(["h", "ˈ", "ɛ"], lessac).ids;
    expect(ids).toEqual([id(lessac, BOS), id(lessac, PAD), id(lessac, "h"), 0, id(lessac, "ˈ"), 0, id(lessac, "ɛ"), 0, id(lessac, EOS)]);
  });

  it("skips and counts phonemes missing from the map", () => {
    const { ids, missing } = phonemeIds(["a", "☃", "a", "☃", "z"], tinyConfig());
    expect(ids).toEqual([1, 0, 3, 0, 3, 0, 2]);
    expect(missing).toEqual(
      new Map([
        ["☃", 2],
        ["z", 1],
      ]),
    );
  });

  it("gives [^, _, $] for no phoneme, or no known one", () => {
    expect(phonemeIds([], tinyConfig()).ids).toEqual([1, 0, 2]);
    expect(phonemeIds(["?"], tinyConfig()).ids).toEqual([1, 0, 2]);
  });

  it("does not mistake Object.prototype names for phonemes", () => {
    expect(phonemeIds(["constructor", "__proto__"], tinyConfig()).missing.size).toBe(2);
  });

  it("applies the config's phoneme_map first", () => {
    const cfg = tinyConfig({ phoneme_map: { x: ["a", "b"] } });
    expect(phonemeIds(["x"], cfg).ids).toEqual([1, 0, 3, 0, 4, 5, 0, 2]);
  });

  it("applies piper-phonemize's default map for pt-br when the config has none", () => {
    const cfg = tinyConfig({ espeak: { voice: "pt-br" } });
    expect(phonemeIds(["c"], cfg).ids).toEqual([1, 0, 6, 0, 2]);
    expect(phonemeIds(["c"], tinyConfig()).missing.get("c")).toBe(1);
  });

  it("keeps every id below num_symbols for a valid config", () => {
    const all = Object.keys(lessac.phoneme_id_map);
    expect(Math.max(...phonemeIds(all, lessac).ids)).toBeLessThan(lessac.num_symbols);
  });
});
