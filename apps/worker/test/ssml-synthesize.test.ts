import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool, discoverVoices, silenceSamples, synthesize, type AudioChunk, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// SSML through the one pipeline, on a reference voice (noise: its audio is not speech).
let voice: VoiceFiles;
let pool: InferencePool;
const scales = { noise_scale: 0, length_scale: 1, noise_w: 0 };

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "vq-ssml-"));
  await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low"] });
  voice = (await discoverVoices(dir)).voices[0]!;
  pool = (await InferencePool.start({ voices: [voice], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
}, 180_000);
afterAll(() => pool?.close());

async function chunksOf(text: string): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of synthesize(pool, { text, voice, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 })) out.push(c);
  return out;
}

describe("SSML synthesis", () => {
  it("puts a <break>'s silence before the next segment instead of the sentence gap", async () => {
    const chunks = await chunksOf('<speak>Hello there. <break time="1500ms"/> Goodbye now.</speak>');
    const rate = voice.config.audio.sample_rate;
    expect(chunks.map((c) => c.silenceBefore)).toEqual([0, silenceSamples(1.5, rate)]);
  }, 120_000);

  it("reads a <prosody rate> segment at that rate: half the rate, about twice the samples", async () => {
    const [plain] = await chunksOf("<speak>The quick brown fox jumps over the lazy dog.</speak>");
    const [slow] = await chunksOf('<speak><prosody rate="50%">The quick brown fox jumps over the lazy dog.</prosody></speak>');
    const ratio = slow!.pcm.length / plain!.pcm.length;
    expect(ratio).toBeGreaterThan(1.7);
    expect(ratio).toBeLessThan(2.3);
  }, 120_000);
});
