import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceOutOfMemoryError, InferencePool, InferenceTimeoutError, discoverVoices, prepareText, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// The pool lives in synth; it is tested here because the reference voices it runs come
// from voice-forge, which synth must not depend on.
let voices: VoiceFiles[];
let pool: InferencePool;
const scales = { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 };

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "vq-pool-"));
  await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"] });
  voices = (await discoverVoices(dir)).voices;
  pool = (await InferencePool.start({ voices, threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
}, 120_000);
afterAll(() => pool?.close());

const voice = (id: string) => voices.find((v) => v.id === id)!;

describe("InferencePool (onnxruntime on worker_threads)", () => {
  it("synthesizes each sentence to int16 PCM, one chunk per sentence", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    const { sentences } = prepareText("Hello world. This is a test. And one more!", v.config);
    const result = await pool.run({ voiceId: v.id, sentences, scales, speakerId: null, timeoutMs: 60_000 });
    expect(result.chunks).toHaveLength(3);
    expect(result.inferenceSeconds).toHaveLength(3);
    for (const chunk of result.chunks) {
      expect(chunk).toBeInstanceOf(Int16Array);
      expect(chunk.length % 256).toBe(0);
      // Piper normalisation: each sentence peaks at full scale.
      expect(Math.max(...Array.from(chunk, Math.abs))).toBeGreaterThanOrEqual(32766);
    }
  });

  it("feeds sid to a multi-speaker voice: speakers differ", async () => {
    const v = voice("en_US-voxqueue_ref_multi-x_low");
    const { sentences } = prepareText("Same words.", v.config);
    const quiet = { ...scales, noise_scale: 0, noise_w: 0 };
    const a = await pool.run({ voiceId: v.id, sentences, scales: quiet, speakerId: 0, timeoutMs: 60_000 });
    const b = await pool.run({ voiceId: v.id, sentences, scales: quiet, speakerId: 2, timeoutMs: 60_000 });
    const a2 = await pool.run({ voiceId: v.id, sentences, scales: quiet, speakerId: 0, timeoutMs: 60_000 });
    expect(Array.from(a.chunks[0]!)).toEqual(Array.from(a2.chunks[0]!));
    expect(Array.from(a.chunks[0]!)).not.toEqual(Array.from(b.chunks[0]!));
  });

  it("fails a request past its time limit at once; its thread stops at the next sentence and serves again", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    const long = prepareText("word ".repeat(2000), v.config).sentences;
    const t0 = performance.now();
    // 300 ms: the thread is inside a native session.run then (terminating it there would abort the process).
    await expect(pool.run({ voiceId: v.id, sentences: long, scales, speakerId: null, timeoutMs: 300 })).rejects.toBeInstanceOf(InferenceTimeoutError);
    // The deadline is a timer on this (idle) thread, so the rejection comes soon after 300 ms even on a loaded
    // machine; synthesizing all of the text would take many times longer (tens of seconds on one thread).
    expect(performance.now() - t0).toBeLessThan(5_000);
    const { sentences } = prepareText("Still here.", v.config);
    const after = await pool.run({ voiceId: v.id, sentences, scales, speakerId: null, timeoutMs: 60_000 });
    expect(after.chunks).toHaveLength(1);
    expect(pool.size).toBe(1);
  }, 120_000);

  it("rejects phoneme ids outside the voice's symbol table instead of crashing the model", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    await expect(pool.run({ voiceId: v.id, sentences: [[1, 0, 9999, 0, 2]], scales, speakerId: null, timeoutMs: 60_000 })).rejects.toThrow(/outside/);
  });

  it("runs each voice on the first execution provider that initialises, naming the ones skipped", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    const started = await InferencePool.start({ voices: [v], threads: 1, executionProviders: ["cuda", "cpu"], intraOpNumThreads: 1 });
    try {
      // The CUDA provider's library is not installed by this repository (.npmrc skips onnxruntime-node's download).
      expect(started.providerFailures).toEqual([{ provider: "cuda", message: expect.stringMatching(/cuda/i) }]);
      expect(started.executionProviders).toEqual({ [v.id]: "cpu" });
      const { sentences } = prepareText("Still speaking.", v.config);
      expect((await started.pool.run({ voiceId: v.id, sentences, scales, speakerId: null, timeoutMs: 60_000 })).chunks).toHaveLength(1);
    } finally {
      await started.pool.close();
    }
  }, 120_000);

  it("closes in the middle of a request without aborting the process", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    const own = (await InferencePool.start({ voices: [v], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
    const long = prepareText("Sentence after sentence. ".repeat(100), v.config).sentences;
    const running = own.run({ voiceId: v.id, sentences: long, scales, speakerId: null, timeoutMs: 60_000 }).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 300));
    await own.close();
    expect(await running).toBeInstanceOf(Error);
    expect(((await running) as Error).message).toMatch(/closed/);
    await expect(own.run({ voiceId: v.id, sentences: long, scales, speakerId: null, timeoutMs: 1000 })).rejects.toThrow(/closed/);
  });

  it("skips a voice whose model does not load, naming its file and onnxruntime's message, and serves the others", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    const dir = await mkdtemp(join(tmpdir(), "vq-pool-junk-"));
    await writeFile(join(dir, "junk.onnx"), "this is a text file, not an ONNX model\n");
    await copyFile(v.configPath, join(dir, "junk.onnx.json"));
    const junk = (await discoverVoices(dir)).voices;
    expect(junk.map((j) => j.id)).toEqual(["junk"]);
    const started = await InferencePool.start({ voices: [v, ...junk], threads: 2, executionProviders: ["cpu"], intraOpNumThreads: 1 });
    try {
      expect(started.failed).toEqual([{ id: "junk", onnxPath: join(dir, "junk.onnx"), message: expect.stringMatching(/protobuf parsing failed/i) }]);
      expect(Object.keys(started.loadSeconds)).toEqual([v.id]);
      const { sentences } = prepareText("Still serving.", v.config);
      expect((await started.pool.run({ voiceId: v.id, sentences, scales, speakerId: null, timeoutMs: 60_000 })).chunks).toHaveLength(1);
      await expect(started.pool.run({ voiceId: "junk", sentences, scales, speakerId: null, timeoutMs: 60_000 })).rejects.toThrow(/not loaded/);
    } finally {
      await started.pool.close();
    }
    // No voice at all: start fails, naming the file.
    await expect(InferencePool.start({ voices: junk, threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).rejects.toThrow(
      /no voice could be loaded.*junk\.onnx.*protobuf/i,
    );
  });

  it("fails a request whose thread runs out of heap with InferenceOutOfMemoryError, then serves again", async () => {
    const v = voice("en_US-voxqueue_ref-x_low");
    // 8 MiB is enough to load an x_low voice; ~10 M phoneme ids as JS arrays are not.
    const small = (await InferencePool.start({ voices: [v], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1, maxHeapMb: 8 })).pool;
    try {
      const huge = Array.from({ length: 100 }, () => new Array<number>(100_000).fill(1.5));
      await expect(small.run({ voiceId: v.id, sentences: huge, scales, speakerId: null, timeoutMs: 60_000 })).rejects.toBeInstanceOf(InferenceOutOfMemoryError);
      const { sentences } = prepareText("Still here.", v.config);
      const after = await small.run({ voiceId: v.id, sentences, scales, speakerId: null, timeoutMs: 60_000 });
      expect(after.chunks).toHaveLength(1);
    } finally {
      await small.close();
    }
  });
});
