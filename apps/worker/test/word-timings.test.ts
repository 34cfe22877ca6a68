import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool, discoverVoices, synthesize, type AudioChunk, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// Word timestamps from the reference voice's durations output (its audio is noise, its timing real).
let voice: VoiceFiles;
let pool: InferencePool;
const scales = { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 };
const HOP = 256;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "vq-timings-"));
  await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low"] });
  voice = (await discoverVoices(dir)).voices[0]!;
  pool = (await InferencePool.start({ voices: [voice], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
}, 180_000);
afterAll(() => pool?.close());

describe("word timings", () => {
  it("are monotonic, cover the audio, and come from durations that sum to each chunk's length", async () => {
    const text = "Dr. Smith paid $5 on 12/03/2026.\nThanks a lot, see you soon!";
    const synthesis = synthesize(pool, { text, voice, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 });
    const chunks: AudioChunk[] = [];
    for await (const c of synthesis) chunks.push(c);
    const words = synthesis.wordTimings()!;
    expect(words).toBeDefined();
    expect(words.map((w) => w.word)).toEqual(["Dr.", "Smith", "paid", "$5", "on", "12/03/2026", "Thanks", "a", "lot", "see", "you", "soon"]);
    for (const w of words) expect(text.slice(w.start, w.end)).toBe(w.word);
    let last = 0;
    for (const w of words) {
      expect(w.start_s).toBeGreaterThanOrEqual(last - 1e-9);
      expect(w.end_s).toBeGreaterThan(w.start_s);
      last = w.end_s;
    }
    const rate = voice.config.audio.sample_rate;
    const audio = synthesis.summary().audioSeconds;
    // Covered: the first word starts within the first chunk's first ids, the last ends at the last chunk's end.
    expect(words[0]!.start_s).toBeLessThan(chunks[0]!.pcm.length / rate / 4);
    const lastChunk = chunks.at(-1)!;
    expect(Math.abs(words.at(-1)!.end_s - (lastChunk.startSample + lastChunk.pcm.length) / rate)).toBeLessThan(0.5);
    expect(words.at(-1)!.end_s).toBeLessThanOrEqual(audio + 1e-9);
    // Σ durations × hop = the chunk's samples, within one hop.
    for (const c of chunks) {
      const frames = c.durations!.reduce((a, d) => a + d, 0);
      expect(Math.abs(frames * HOP - c.pcm.length)).toBeLessThanOrEqual(HOP);
    }
  }, 120_000);

  it("says none are available in piper mode (no word map)", async () => {
    const synthesis = synthesize(pool, {
      text: "Hello there.",
      textNormalization: "piper",
      voice,
      speaker: null,
      scales,
      sentenceSilenceSeconds: 0.2,
      timeoutMs: 120_000,
    });
    for await (const _ of synthesis) void _;
    expect(synthesis.wordTimings()).toBeUndefined();
  }, 120_000);
});
