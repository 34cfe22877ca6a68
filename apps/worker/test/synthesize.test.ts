import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VoxqueueError } from "@voxqueue/contracts";
import {
  InferencePool,
  WAV_HEADER_BYTES,
  discoverVoices,
  encodeWavPieces,
  encodeWavSentences,
  prepareText,
  silenceSamples,
  synthesize,
  type AudioChunk,
  type VoiceFiles,
} from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// The pipeline lives in synth; it is tested here because the reference voices come from voice-forge.
let voices: VoiceFiles[];
let pool: InferencePool;
// No noise: the same input gives the same samples, so runs can be compared.
const scales = { noise_scale: 0, length_scale: 1, noise_w: 0 };
const TEN = Array.from({ length: 10 }, (_, i) => `Sentence number ${i + 1} is here to be spoken.`).join(" ");

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "vq-pipeline-"));
  await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"] });
  voices = (await discoverVoices(dir)).voices;
  pool = (await InferencePool.start({ voices, threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
}, 180_000);
afterAll(() => pool?.close());

const voice = (id: string) => voices.find((v) => v.id === id)!;
const xLow = () => voice("en_US-voxqueue_ref-x_low");

async function all(iterable: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

describe("synthesize (the one pipeline)", () => {
  it("spreads one text's sentences over every inference thread and yields them in order, the same samples as one thread", async () => {
    const v = xLow();
    const wide = (await InferencePool.start({ voices: [v], threads: 3, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
    try {
      const request = { text: TEN, voice: v, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 };
      const one = await all(synthesize(pool, request));
      const spread = await all(synthesize(wide, request));
      expect(spread.map((c) => c.index)).toEqual(one.map((c) => c.index));
      for (const [i, c] of spread.entries())
        expect(
          Buffer.from(c.pcm.buffer, c.pcm.byteOffset, c.pcm.byteLength).equals(Buffer.from(one[i]!.pcm.buffer, one[i]!.pcm.byteOffset, one[i]!.pcm.byteLength)),
        ).toBe(true);
      // Sentences ran at once on different threads: their inference times add up to more
      // than the whole synthesis took (one after another, they could not).
      const inference = spread.reduce((n, c) => n + c.inferenceSeconds, 0);
      expect(spread.at(-1)!.readySeconds).toBeLessThan(inference);
    } finally {
      await wide.close();
    }
  }, 120_000);

  it("yields each sentence in order with the sentence silence before it; the WAV is the one the worker always wrote", async () => {
    const v = xLow();
    const text = "Hello world. This is a test. And one more!";
    const synthesis = synthesize(pool, { text, voice: v, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 });
    const chunks = await all(synthesis);
    const rate = v.config.audio.sample_rate;
    const gap = silenceSamples(0.2, rate);
    expect(chunks.map((c) => [c.index, c.sentence, c.silenceBefore])).toEqual([
      [0, 0, 0],
      [1, 1, gap],
      [2, 2, gap],
    ]);
    for (const [i, c] of chunks.entries()) {
      if (i > 0) expect(c.startSample).toBe(chunks[i - 1]!.startSample + chunks[i - 1]!.pcm.length + gap);
      expect(c.inferenceSeconds).toBeGreaterThan(0);
      expect(c.phonemeIds).toBeGreaterThan(3);
    }
    const summary = synthesis.summary();
    expect(summary).toMatchObject({ sentences: 3, chunks: 3, sampleRate: rate });
    const wav = encodeWavPieces(chunks, rate);
    // One definition of the audio's duration: the WAV's samples.
    expect(summary.samples).toBe((wav.length - WAV_HEADER_BYTES) / 2);
    expect(summary.audioSeconds).toBeCloseTo(summary.samples / rate, 12);
    expect(summary.rtf).toBeCloseTo(summary.synthesisSeconds / summary.audioSeconds, 12);
    expect(summary.prepareSeconds).toBeLessThan(summary.firstAudioSeconds);
    // Same bytes as the assembly the worker used before the pipeline (pool.run, then encodeWavSentences).
    const before = await pool.run({ voiceId: v.id, sentences: prepareText(text, v.config).sentences, scales, speakerId: null, timeoutMs: 120_000 });
    expect(wav.equals(encodeWavSentences(before.chunks, gap, rate))).toBe(true);
  }, 120_000);

  it("hands the first sentence out while later ones are still being synthesized", async () => {
    const synthesis = synthesize(pool, { text: TEN, voice: xLow(), speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 });
    const seenAt: number[] = [];
    for await (const c of synthesis) seenAt.push(c.readySeconds);
    expect(seenAt).toHaveLength(10);
    const summary = synthesis.summary();
    expect(summary.firstAudioSeconds).toBe(seenAt[0]);
    // Nine more sentences of inference come after the first chunk was handed out.
    expect(seenAt[0]!).toBeLessThan(summary.synthesisSeconds / 2);
  }, 120_000);

  it("splits the first sentence at its first clause when asked: two chunks of sentence 0 with no silence between", async () => {
    const v = xLow();
    const text = "When the storm came in from the west, the waves climbed the sea wall. Then it was quiet.";
    const chunks = await all(
      synthesize(pool, { text, voice: v, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000, splitFirstClause: true }),
    );
    const gap = silenceSamples(0.2, v.config.audio.sample_rate);
    expect(chunks.map((c) => [c.sentence, c.silenceBefore])).toEqual([
      [0, 0],
      [0, 0],
      [1, gap],
    ]);
    const whole = await all(synthesize(pool, { text, voice: v, speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 }));
    expect(whole).toHaveLength(2);
    // Both parts are complete inputs: a second BOS, pad and EOS, less the word space and its pad.
    expect(chunks[0]!.phonemeIds + chunks[1]!.phonemeIds).toBe(whole[0]!.phonemeIds + 1);
  }, 120_000);

  it("rejects a text with nothing to say (naming text) and an unknown speaker (naming speaker) before any inference", () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof VoxqueueError ? [err.type, err.field] : err;
      }
      return "no error";
    };
    expect(bad(() => synthesize(pool, { text: "...", voice: xLow(), speaker: null, scales, sentenceSilenceSeconds: 0.2, timeoutMs: 1000 }))).toEqual([
      "invalid_input",
      "text",
    ]);
    const multi = voice("en_US-voxqueue_ref_multi-x_low");
    expect(bad(() => synthesize(pool, { text: "Hi there.", voice: multi, speaker: "nobody", scales, sentenceSilenceSeconds: 0.2, timeoutMs: 1000 }))).toEqual([
      "invalid_input",
      "speaker",
    ]);
  });
});
