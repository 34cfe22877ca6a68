import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverVoices, resolveSpeakerId, speakerNames, voiceInfo } from "../src/voice.js";
import { parseVoiceConfig } from "../src/voice-config.js";

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", `${name}.onnx.json`), "utf8"));

describe("parseVoiceConfig on real Piper configs", () => {
  it("reads a single-speaker voice with its inference scales", () => {
    const cfg = parseVoiceConfig(fixture("en_US-lessac-medium"));
    expect(cfg.audio.sample_rate).toBe(22050);
    expect(cfg.num_symbols).toBe(256);
    expect(cfg.inference).toEqual({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 });
  });

  it("defaults phoneme_type to espeak for old voices (piper_version 0.2.0)", () => {
    const cfg = parseVoiceConfig(fixture("de_DE-thorsten-low"));
    expect(cfg.phoneme_type).toBe("espeak");
    expect(cfg.espeak.voice).toBe("de");
  });

  it("rejects a config whose ids exceed num_symbols, naming the field", () => {
    const bad = { ...fixture("de_DE-thorsten-low"), num_symbols: 10 };
    expect(() => parseVoiceConfig(bad, "x.onnx.json")).toThrow(/x\.onnx\.json: phoneme_id_map\..*num_symbols/);
  });

  it("rejects a config without a sample rate", () => {
    const bad = fixture("en_US-lessac-medium");
    delete bad.audio.sample_rate;
    expect(() => parseVoiceConfig(bad)).toThrow(/audio\.sample_rate/);
  });
});

describe("speakers", () => {
  const multi = parseVoiceConfig(fixture("en_US-libritts_r-medium"));
  const single = parseVoiceConfig(fixture("en_US-lessac-medium"));

  it("lists speaker names in id order", () => {
    const names = speakerNames(multi);
    expect(names).toHaveLength(904);
    expect(multi.speaker_id_map[names[0]!]).toBe(0);
    expect(multi.speaker_id_map[names[903]!]).toBe(903);
    expect(speakerNames(single)).toEqual([]);
  });

  it("resolves names, numeric ids and the default speaker", () => {
    const [name, id] = Object.entries(multi.speaker_id_map)[5]!;
    expect(resolveSpeakerId(multi, name)).toBe(id);
    expect(resolveSpeakerId(multi, 17)).toBe(17);
    expect(resolveSpeakerId(multi, "17")).toBe(multi.speaker_id_map["17"] ?? 17);
    expect(resolveSpeakerId(multi, null)).toBe(0);
    expect(() => resolveSpeakerId(multi, 904)).toThrow(/unknown speaker/);
    expect(() => resolveSpeakerId(multi, "nobody")).toThrow(/unknown speaker/);
    expect(resolveSpeakerId(single, undefined)).toBeNull();
    expect(() => resolveSpeakerId(single, 0)).toThrow(/single speaker/);
  });
});

describe("discoverVoices", () => {
  it("loads NAME.onnx + NAME.onnx.json pairs and reports the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vq-voices-"));
    writeFileSync(join(dir, "en_US-lessac-medium.onnx.json"), JSON.stringify(fixture("en_US-lessac-medium")));
    writeFileSync(join(dir, "en_US-lessac-medium.onnx"), "not really a model");
    writeFileSync(join(dir, "orphan.onnx.json"), JSON.stringify(fixture("de_DE-thorsten-low")));
    writeFileSync(join(dir, "broken.onnx.json"), "{");
    writeFileSync(join(dir, "broken.onnx"), "");
    const { voices, problems } = await discoverVoices(dir);
    expect(voices.map((v) => v.id)).toEqual(["en_US-lessac-medium"]);
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(/orphan.*no model file/);
    const info = voiceInfo(voices[0]!);
    expect(info).toMatchObject({ id: "en_US-lessac-medium", language: "en_US", sample_rate: 22050, num_speakers: 1, speakers: [], reference: false });
  });
});
