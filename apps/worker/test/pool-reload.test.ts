import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool, discoverVoices, synthesize, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// Hot reload in the inference pool: a voice replaced or removed while a synthesis is
// running on it. Real reference models (their audio is noise: seeded weights), noise off
// so the same model gives the same samples.
const X_LOW = "en_US-voxqueue_ref-x_low";
const MULTI = "en_US-voxqueue_ref_multi-x_low";
const QUIET = { noise_scale: 0, length_scale: 1, noise_w: 0 };
const TEXT = "First sentence here. A second one follows. Then a third. And the last.";

let forged: string;
let pool: InferencePool;
/** Voice "v" as the x_low model, then as the multi-speaker one (same id, other files). */
let asXLow: VoiceFiles;
let asMulti: VoiceFiles;

/** `NAME.onnx` + `NAME.onnx.json` of reference voice `from`, copied as voice `id` into `dir`. */
async function install(from: string, dir: string, id: string): Promise<VoiceFiles> {
  for (const ext of [".onnx", ".onnx.json"]) await copyFile(join(forged, `${from}${ext}`), join(dir, `${id}${ext}`));
  return (await discoverVoices(dir)).voices.find((v) => v.id === id)!;
}

/** Every chunk's samples of one synthesis of TEXT, joined. */
async function samplesOf(voice: VoiceFiles): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of synthesize(pool, { text: TEXT, voice, speaker: null, scales: QUIET, sentenceSilenceSeconds: 0, timeoutMs: 120_000 }))
    out.push(...chunk.pcm);
  return out;
}

beforeAll(async () => {
  forged = await mkdtemp(join(tmpdir(), "vq-pool-reload-forged-"));
  await ensureReferenceVoices(forged, { only: [X_LOW, MULTI] });
  const a = await mkdtemp(join(tmpdir(), "vq-pool-reload-a-"));
  const b = await mkdtemp(join(tmpdir(), "vq-pool-reload-b-"));
  asXLow = await install(X_LOW, a, "v");
  asMulti = await install(MULTI, b, "v");
  pool = (await InferencePool.start({ voices: [asXLow], threads: 2, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
}, 180_000);
afterAll(() => pool?.close());

describe("InferencePool hot reload", () => {
  it("a synthesis started before a replacement finishes on the old model; later ones get the new one; the old sessions go with the last holder", async () => {
    const oldAudio = await samplesOf(asXLow);
    const running = synthesize(pool, { text: TEXT, voice: asXLow, speaker: null, scales: QUIET, sentenceSilenceSeconds: 0, timeoutMs: 120_000 })[
      Symbol.asyncIterator
    ]();
    const first = await running.next(); // the synthesis holds its model from here
    expect(first.done).toBe(false);

    const added = await pool.addVoice(asMulti);
    expect(added).toMatchObject({ replaced: true, executionProvider: "cpu" });
    expect(pool.voiceIds()).toEqual(["v"]);
    // Both generations are loaded while the first synthesis still holds the old one.
    expect(pool.sessions().map((s) => [s.retired, s.holds])).toEqual([
      [true, 1],
      [false, 0],
    ]);
    const newAudio = await samplesOf(asMulti);
    expect(newAudio).not.toEqual(oldAudio);

    const rest: number[] = [...(first.value as { pcm: Int16Array }).pcm];
    for (let r = await running.next(); !r.done; r = await running.next()) rest.push(...r.value.pcm);
    expect(rest).toEqual(oldAudio); // sample for sample: the old model to the end
    expect(pool.sessions().map((s) => s.key)).toEqual([pool.sessions()[0]!.key]);
    expect(pool.sessions()[0]).toMatchObject({ id: "v", retired: false, holds: 0 });
  }, 120_000);

  it("refuses a model that does not load: the voice keeps serving what it served", async () => {
    const before = await samplesOf(asMulti);
    const dir = await mkdtemp(join(tmpdir(), "vq-pool-reload-junk-"));
    await copyFile(asMulti.configPath, join(dir, "v.onnx.json"));
    await writeFile(join(dir, "v.onnx"), "not a model\n");
    const junk = (await discoverVoices(dir)).voices[0]!;
    await expect(pool.addVoice(junk)).rejects.toMatchObject({
      name: "InferenceError",
      errorName: "VoiceLoadFailed",
      message: expect.stringMatching(/v\.onnx: .*protobuf parsing failed/i),
    });
    expect(pool.sessions()).toHaveLength(1);
    expect(await samplesOf(asMulti)).toEqual(before);
  }, 120_000);

  it("a removed voice takes no new synthesis, and one running on it finishes", async () => {
    const expected = await samplesOf(asMulti);
    const running = synthesize(pool, { text: TEXT, voice: asMulti, speaker: null, scales: QUIET, sentenceSilenceSeconds: 0, timeoutMs: 120_000 })[
      Symbol.asyncIterator
    ]();
    const out: number[] = [];
    const first = await running.next();
    out.push(...(first.value as { pcm: Int16Array }).pcm);
    expect(pool.removeVoice("v")).toBe(true);
    expect(pool.voiceIds()).toEqual([]);
    for (let r = await running.next(); !r.done; r = await running.next()) out.push(...r.value.pcm);
    expect(out).toEqual(expected);
    expect(pool.sessions()).toEqual([]);
    await expect(samplesOf({ ...asMulti })).rejects.toMatchObject({ errorName: "VoiceNotLoaded" });
    // And back: the same id loads again.
    await pool.addVoice(asXLow);
    expect(pool.voiceIds()).toEqual(["v"]);
  }, 120_000);
});
