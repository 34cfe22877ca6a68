import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WaveFile } from "wavefile";
import { describe, expect, it } from "vitest";
import { WAV_HEADER_BYTES, encodeWav, encodeWavSentences, floatToInt16, joinWithSilence, silenceSamples } from "../src/audio.js";

describe("floatToInt16 (Piper's normalisation)", () => {
  it("scales the peak to full range and keeps the sign", () => {
    const out = floatToInt16(Float32Array.of(0.5, -0.25, 0));
    expect(Array.from(out)).toEqual([32767, -16383, 0]);
  });

  it("does not amplify near-silence past 1/0.01 (max(0.01, peak))", () => {
    const out = floatToInt16(Float32Array.of(0.001, -0.001));
    expect(Array.from(out)).toEqual([3276, -3276]);
  });
});

describe("joinWithSilence", () => {
  it("puts the gap between sentences only", () => {
    const out = joinWithSilence([Int16Array.of(1, 2), Int16Array.of(3)], 2);
    expect(Array.from(out)).toEqual([1, 2, 0, 0, 3]);
    expect(silenceSamples(0.2, 22050)).toBe(4410);
  });
});

describe("encodeWav", () => {
  const sampleRate = 16000;
  const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)));
  const wav = encodeWav(pcm, sampleRate);

  it("writes a canonical 44-byte RIFF/WAVE PCM header", () => {
    expect(wav.length).toBe(WAV_HEADER_BYTES + pcm.length * 2);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.toString("ascii", 8, 12)).toBe("WAVE");
  });

  it("decodes with a WAV library to the same samples", () => {
    const decoded = new WaveFile(wav);
    const fmt = decoded.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
    expect(fmt).toMatchObject({ audioFormat: 1, numChannels: 1, sampleRate, bitsPerSample: 16 });
    const samples = decoded.getSamples(false, Int16Array) as unknown as Int16Array;
    expect(Array.from(samples)).toEqual(Array.from(pcm));
  });

  it("decodes with sox: duration = samples / sample_rate", () => {
    const file = join(mkdtempSync(join(tmpdir(), "vq-wav-")), "a.wav");
    writeFileSync(file, wav);
    const samples = Number(execFileSync("soxi", ["-s", file], { encoding: "utf8" }).trim());
    const rate = Number(execFileSync("soxi", ["-r", file], { encoding: "utf8" }).trim());
    const seconds = Number(execFileSync("soxi", ["-D", file], { encoding: "utf8" }).trim());
    expect(samples).toBe(pcm.length);
    expect(rate).toBe(sampleRate);
    expect(seconds).toBeCloseTo(pcm.length / sampleRate, 6);
  });
});

describe("encodeWavSentences", () => {
  it("writes the same bytes as joining first, then encoding", () => {
    const chunks = [Int16Array.of(1, -2, 3), Int16Array.of(-32768), Int16Array.of(32767, 5)];
    expect(encodeWavSentences(chunks, 3, 16000).equals(encodeWav(joinWithSilence(chunks, 3), 16000))).toBe(true);
    // Views into a larger buffer (as transferred from the inference thread) keep their offset.
    const backing = Int16Array.of(9, 9, 7, 8, 9);
    const view = backing.subarray(2, 4);
    expect(encodeWavSentences([view], 0, 8000).equals(encodeWav(Int16Array.of(7, 8), 8000))).toBe(true);
  });

  it("writes a header-only file for no sentences", () => {
    const wav = encodeWavSentences([], 100, 22050);
    expect(wav.length).toBe(WAV_HEADER_BYTES);
    expect(wav.readUInt32LE(40)).toBe(0);
  });
});
