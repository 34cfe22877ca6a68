import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InferencePool,
  InferenceTimeoutError,
  discoverVoices,
  prepareText,
  synthesize,
  type InferenceRequest,
  type SentencePcm,
  type VoiceFiles,
} from "@voxqueue/synth";
import { decodeModel, encodeModel, ensureReferenceVoices } from "@voxqueue/voice-forge";

// The inference pool with dynamic batching on (BATCH_MAX_SIZE > 1): one-sentence requests
// of concurrent syntheses run in one session.run; streaming, time limits, a failing
// callback, closing and hot reload generations behave as without it. Noise off; a batched
// sentence is within 1 LSB of its lone run (packages/synth/test/batching.test.ts says why
// not always bit for bit).
const X_LOW = "en_US-voxqueue_ref-x_low";
const MULTI = "en_US-voxqueue_ref_multi-x_low";
/** A copy of x_low without the output_lengths output: what a real Piper export looks like. */
const PIPER_LIKE = "piper_like-x_low";
const QUIET = { noise_scale: 0, length_scale: 1, noise_w: 0 };
const TEXTS = ["A first sentence to batch.", "Short.", "A third one, a good deal longer than the short one before it.", "And a fourth."];
// Long enough that requests made in one tick always share a batch on a loaded machine.
const WAIT_MS = 200;

let voices: VoiceFiles[];
let pool: InferencePool;
let batching: Record<string, boolean>;

const voice = (id: string) => voices.find((v) => v.id === id)!;
const ids = (v: VoiceFiles, text: string) => prepareText(text, v.config).sentences[0]!;
const request = (v: VoiceFiles, text: string, extra: Partial<InferenceRequest> = {}): InferenceRequest => ({
  voiceId: v.id,
  sentences: [ids(v, text)],
  scales: QUIET,
  speakerId: null,
  timeoutMs: 120_000,
  ...extra,
});

/** Largest |a - b| over two equally long arrays, Infinity when their lengths differ. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

beforeAll(async () => {
  const forged = await mkdtemp(join(tmpdir(), "vq-pool-batching-"));
  await ensureReferenceVoices(forged, { only: [X_LOW, MULTI] });
  const model = decodeModel(await readFile(join(forged, `${X_LOW}.onnx`)));
  model.graph!.output = model.graph!.output!.filter((o) => o.name !== "output_lengths");
  await writeFile(join(forged, `${PIPER_LIKE}.onnx`), encodeModel(model));
  await copyFile(join(forged, `${X_LOW}.onnx.json`), join(forged, `${PIPER_LIKE}.onnx.json`));
  voices = (await discoverVoices(forged)).voices;
  const started = await InferencePool.start({
    voices,
    threads: 1,
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    batchMaxSize: 4,
    batchMaxWaitMs: WAIT_MS,
  });
  pool = started.pool;
  batching = started.batching;
}, 300_000);
afterAll(() => pool?.close());

describe("InferencePool with dynamic batching", () => {
  it("says which voices can batch: the reference graphs (per-item output lengths), not a Piper-like one", () => {
    expect(batching).toEqual({ [X_LOW]: true, [MULTI]: true, [PIPER_LIKE]: false });
  });

  it("runs concurrent sentences of one voice in one session.run; each is its lone run within 1 LSB", async () => {
    const v = voice(X_LOW);
    const alone: Int16Array[] = [];
    for (const text of TEXTS) alone.push((await pool.run(request(v, text))).chunks[0]!);
    const before = { ...pool.batchRuns };
    const together = await Promise.all(TEXTS.map((text) => pool.run(request(v, text))));
    expect(pool.batchRuns).toEqual({ runs: before.runs + 1, sentences: before.sentences + 4 });
    together.forEach((r, i) => expect(maxDiff(r.chunks[0]!, alone[i]!)).toBeLessThanOrEqual(1));
  }, 300_000);

  it("feeds each sentence its own speaker in a multi-speaker batch", async () => {
    const v = voice(MULTI);
    const text = TEXTS[0]!;
    const alone: Int16Array[] = [];
    for (const speakerId of [0, 2]) alone.push((await pool.run(request(v, text, { speakerId }))).chunks[0]!);
    const [a, b] = await Promise.all([0, 2].map((speakerId) => pool.run(request(v, text, { speakerId }))));
    expect(maxDiff(a!.chunks[0]!, alone[0]!)).toBeLessThanOrEqual(1);
    expect(maxDiff(b!.chunks[0]!, alone[1]!)).toBeLessThanOrEqual(1);
    expect(maxDiff(alone[0]!, alone[1]!)).toBeGreaterThan(1000);
  }, 300_000);

  it("streams each batched sentence to its own callback; one callback's exception fails only its request", async () => {
    const v = voice(X_LOW);
    const seen: SentencePcm[][] = [[], [], []];
    const runs = TEXTS.slice(0, 3).map((text, i) =>
      pool.run(
        request(v, text, {
          onSentence: (s) => {
            if (i === 1) throw new Error("listener gone");
            seen[i]!.push(s);
          },
        }),
      ),
    );
    const [first, failed, third] = await Promise.allSettled(runs);
    expect(failed).toMatchObject({ status: "rejected", reason: { message: "listener gone" } });
    for (const [i, outcome] of [first, third].entries()) {
      expect(outcome!.status).toBe("fulfilled");
      // Streaming callers get the audio once, through the callback.
      expect((outcome as PromiseFulfilledResult<{ chunks: Int16Array[] }>).value.chunks).toEqual([]);
      expect(seen[i * 2]!.map((s) => s.index)).toEqual([0]);
      expect(seen[i * 2]![0]!.pcm.length).toBeGreaterThan(0);
    }
  }, 300_000);

  it("a sentence past its own time limit fails alone; its batch runs without it", async () => {
    const v = voice(X_LOW);
    const before = { ...pool.batchRuns };
    const [late, onTime] = await Promise.allSettled([pool.run(request(v, TEXTS[0]!, { timeoutMs: 20 })), pool.run(request(v, TEXTS[1]!))]);
    expect(late.status === "rejected" && late.reason).toBeInstanceOf(InferenceTimeoutError);
    expect(onTime.status).toBe("fulfilled");
    // It timed out while the batch waited (WAIT_MS): the batch held one sentence.
    expect(pool.batchRuns).toEqual({ runs: before.runs + 1, sentences: before.sentences + 1 });
    // Every sentence of a batch timed out: no run, and the pool serves on.
    await expect(pool.run(request(v, TEXTS[2]!, { timeoutMs: 20 }))).rejects.toBeInstanceOf(InferenceTimeoutError);
    expect((await pool.run(request(v, TEXTS[3]!))).chunks).toHaveLength(1);
  }, 300_000);

  it("runs a voice without per-item output lengths one sentence at a time", async () => {
    const v = voice(PIPER_LIKE);
    const before = { ...pool.batchRuns };
    const results = await Promise.all(TEXTS.map((text) => pool.run(request(v, text))));
    expect(pool.batchRuns).toEqual(before);
    // Same weights as x_low, one run each: the same audio as x_low's lone runs.
    for (const [i, r] of results.entries()) expect(r.chunks[0]).toEqual((await pool.run(request(voice(X_LOW), TEXTS[i]!))).chunks[0]);
  }, 300_000);

  it("synthesize: two texts at once yield their sentences in order, each within 1 LSB of the text alone", async () => {
    const v = voice(X_LOW);
    const text = TEXTS.join(" ");
    const collect = async () => {
      const out: Int16Array[] = [];
      for await (const chunk of synthesize(pool, { text, voice: v, speaker: null, scales: QUIET, sentenceSilenceSeconds: 0.2, timeoutMs: 120_000 }))
        out.push(chunk.pcm);
      return out;
    };
    const alone = await collect();
    const before = pool.batchRuns.sentences;
    const [a, b] = await Promise.all([collect(), collect()]);
    expect(pool.batchRuns.sentences - before).toBe(2 * TEXTS.length);
    for (const run of [a!, b!]) {
      expect(run).toHaveLength(TEXTS.length);
      run.forEach((pcm, i) => expect(maxDiff(pcm, alone[i]!)).toBeLessThanOrEqual(1));
    }
  }, 300_000);

  it("hot reload: sentences on a replaced voice's old and new models never share a batch", async () => {
    const dirA = await mkdtemp(join(tmpdir(), "vq-pool-batching-a-"));
    const dirB = await mkdtemp(join(tmpdir(), "vq-pool-batching-b-"));
    const install = async (from: VoiceFiles, dir: string) => {
      await copyFile(from.onnxPath, join(dir, "v.onnx"));
      await copyFile(from.configPath, join(dir, "v.onnx.json"));
      return (await discoverVoices(dir)).voices[0]!;
    };
    const asXLow = await install(voice(X_LOW), dirA);
    const asMulti = await install(voice(MULTI), dirB);
    const own = (
      await InferencePool.start({ voices: [asXLow], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1, batchMaxSize: 4, batchMaxWaitMs: WAIT_MS })
    ).pool;
    try {
      const text = TEXTS[0]!;
      const oldAlone = (await own.run(request(asXLow, text))).chunks[0]!;
      const oldHold = own.hold(asXLow);
      expect(await own.addVoice(asMulti)).toMatchObject({ replaced: true, batching: true });
      const newAlone = (await own.run(request(asMulti, text))).chunks[0]!;
      const before = { ...own.batchRuns };
      const [onOld, onNew] = await Promise.all([own.run(request(asXLow, text, { hold: oldHold })), own.run(request(asMulti, text))]);
      oldHold.release();
      expect(own.batchRuns).toEqual({ runs: before.runs + 2, sentences: before.sentences + 2 });
      expect(onOld.chunks[0]).toEqual(oldAlone);
      expect(onNew.chunks[0]).toEqual(newAlone);
    } finally {
      await own.close();
    }
  }, 300_000);

  it("closing fails sentences still waiting for their batch", async () => {
    const v = voice(X_LOW);
    const own = (
      await InferencePool.start({ voices: [v], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1, batchMaxSize: 4, batchMaxWaitMs: 60_000 })
    ).pool;
    const waiting = own.run(request(v, TEXTS[0]!)).catch((err: Error) => err);
    await own.close();
    expect(((await waiting) as Error).message).toMatch(/closed/);
    await expect(own.run(request(v, TEXTS[1]!))).rejects.toThrow(/closed/);
  }, 300_000);
});
