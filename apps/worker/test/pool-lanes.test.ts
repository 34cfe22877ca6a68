import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lane } from "@voxqueue/contracts";
import { InferencePool, discoverVoices, prepareText, type InferenceRequest, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// Priority lanes in the real pool: one inference thread, so the order in which requests
// finish is the order in which the scheduler gave them the thread (LaneScheduler's own
// rules are in packages/synth/test/lanes.test.ts).
const X_LOW = "en_US-voxqueue_ref-x_low";
const QUIET = { noise_scale: 0, length_scale: 1, noise_w: 0 };

let voice: VoiceFiles;
let plain: InferencePool;
let batching: InferencePool;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "vq-pool-lanes-"));
  await ensureReferenceVoices(dir, { only: [X_LOW] });
  const voices = (await discoverVoices(dir)).voices;
  voice = voices[0]!;
  const common = { voices, threads: 1, executionProviders: ["cpu" as const], intraOpNumThreads: 1, batchShareEvery: 3 };
  plain = (await InferencePool.start(common)).pool;
  batching = (await InferencePool.start({ ...common, batchMaxSize: 4, batchMaxWaitMs: 0 })).pool;
}, 300_000);
afterAll(async () => {
  await plain?.close();
  await batching?.close();
});

const request = (text: string, extra: Partial<InferenceRequest> = {}): InferenceRequest => ({
  voiceId: voice.id,
  sentences: prepareText(text, voice.config).sentences,
  scales: QUIET,
  speakerId: null,
  timeoutMs: 120_000,
  ...extra,
});

describe("InferencePool priority lanes (BATCH_SHARE_EVERY 3)", () => {
  it("gives a freed thread to interactive requests first and every third pick to batch, oldest first in each lane", async () => {
    const finished: string[] = [];
    const runs: Promise<unknown>[] = [];
    const submit = (name: string, lane: Lane | undefined) =>
      runs.push(plain.run(request("A short sentence.", lane ? { lane } : {})).then(() => finished.push(name)));
    // Holds the thread while the others queue.
    submit("busy", "batch");
    for (let i = 0; i < 4; i++) submit(`b${i}`, "batch");
    for (let i = 0; i < 4; i++) submit(`i${i}`, i === 0 ? undefined : "interactive"); // no lane: interactive
    await Promise.all(runs);
    expect(finished.join(" ")).toBe("busy i0 i1 b0 i2 i3 b1 b2 b3");
  });

  it("with dynamic batching: a waiting batch becomes interactive once an interactive sentence joins it; batches keep their sentences", async () => {
    const finished: string[] = [];
    const runs: Promise<unknown>[] = [];
    const sentence = (name: string, length_scale: number, lane: Lane) =>
      runs.push(batching.run(request("A short sentence.", { lane, scales: { ...QUIET, length_scale } })).then(() => finished.push(name)));
    // Two sentences in one request are not batched: they hold the thread.
    runs.push(batching.run(request("First sentence. Second sentence. Third sentence. And a fourth one.", { lane: "batch" })).then(() => finished.push("busy")));
    // Each set of scales is a batch of its own (Piper's scales are one vector per run).
    sentence("older-batch", 1.1, "batch");
    sentence("newer-batch", 1.2, "batch");
    sentence("newer-interactive", 1.2, "interactive");
    const before = { ...batching.batchRuns };
    await Promise.all(runs);
    expect(finished.join(" ")).toBe("busy newer-batch newer-interactive older-batch");
    expect(batching.batchRuns).toEqual({ runs: before.runs + 2, sentences: before.sentences + 3 });
  });
});
