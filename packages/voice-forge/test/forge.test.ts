import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { onnx } from "onnx-proto";
import ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVoiceConfig } from "../../synth/src/voice-config";
import { DataType, decodeModel } from "../src/onnx/builder";
import { ForgeOptionsError, type ForgedVoice, ensureReferenceVoices, forgeVoice } from "../src/index";
import { PHONEME_CASES, NO_NOISE, PIPER_SCALES, audioStats, phonemeCount, phonemeIds, synthesize } from "./helpers";

const HOP = 256;
const lessac = JSON.parse(await readFile(new URL("./fixtures/en_US-lessac-medium.onnx.json", import.meta.url), "utf8")) as {
  phoneme_id_map: Record<string, number[]>;
};

let dir: string;
let single: ForgedVoice;
let multi: ForgedVoice;
let singleSession: ort.InferenceSession;
let multiSession: ort.InferenceSession;

// "It takes the form of a multi-colored circular arc." as Piper phonemizes it.
const sentence = PHONEME_CASES.find((c) => c.text.startsWith("It takes the form"))!;
const ids = phonemeIds(sentence.phonemes);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "voice-forge-"));
  single = await forgeVoice({ preset: "x_low", name: "test-x_low", outDir: dir });
  multi = await forgeVoice({ preset: "x_low", numSpeakers: 4, name: "test_multi-x_low", outDir: dir });
  singleSession = await ort.InferenceSession.create(single.onnxPath);
  multiSession = await ort.InferenceSession.create(multi.onnxPath);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("phoneme ids used by the tests", () => {
  it("follow Piper's rule, matching ids that Piper's tools produced", () => {
    const known = PHONEME_CASES.find((c) => c.ids && c.sentences)!;
    const perSentence = known.sentences!.flatMap((s) => phonemeIds(s));
    expect(perSentence).toEqual(known.ids);
    expect(ids.slice(0, 4)).toEqual([1, 0, 74, 0]); // ^ _ ɪ _
  });
});

describe("forged x_low voices in Piper's format", () => {
  it("have Piper's input and output names, sid only when multi-speaker", () => {
    expect(singleSession.inputNames).toEqual(["input", "input_lengths", "scales"]);
    expect(multiSession.inputNames).toEqual(["input", "input_lengths", "scales", "sid"]);
    expect(singleSession.outputNames).toEqual(["output", "durations", "output_lengths"]);
    expect(multiSession.outputNames).toEqual(["output", "durations", "output_lengths"]);
  });

  it("are opset-15 models with dynamic batch, phoneme and sample axes", async () => {
    const model = decodeModel(await readFile(multi.onnxPath));
    expect(Number(model.irVersion)).toBeGreaterThanOrEqual(7);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 15]]);
    const graph = model.graph!;
    const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
    expect(Object.fromEntries(graph.input!.map((v) => [v.name, [v.type!.tensorType!.elemType, dims(v)]]))).toEqual({
      input: [DataType.INT64, ["batch", "phonemes"]],
      input_lengths: [DataType.INT64, ["batch"]],
      scales: [DataType.FLOAT, [3]],
      sid: [DataType.INT64, ["batch"]],
    });
    expect(graph.output!.map((v) => [v.name, v.type!.tensorType!.elemType, dims(v)])).toEqual([
      ["output", DataType.FLOAT, ["batch", 1, "time"]],
      ["durations", DataType.FLOAT, ["batch", "phonemes"]],
      ["output_lengths", DataType.INT64, ["batch"]],
    ]);
  });

  it("turn real phoneme ids into bounded, audible [1, 1, N] audio", async () => {
    for (const [session, sid] of [
      [singleSession, undefined],
      [multiSession, 2],
    ] as const) {
      const out = await synthesize(session, ids, PIPER_SCALES, sid);
      const [batch, channels, n] = out.dims;
      expect([batch, channels]).toEqual([1, 1]);
      expect(n! % HOP).toBe(0);
      expect(n).toBeGreaterThan(ids.length * HOP); // at least a frame per id
      const stats = audioStats(out.data as Float32Array);
      expect(stats.finite).toBe(true);
      expect(stats.peak).toBeLessThanOrEqual(1);
      expect(stats.peak).toBeLessThan(0.999); // not clipped against tanh's ceiling
      expect(stats.rms).toBeGreaterThan(0.02); // not silence
    }
  });

  it("predicts 60-120 ms per phoneme at length_scale 1, like real speech", async () => {
    for (const c of PHONEME_CASES.filter((x) => !x.ids)) {
      const caseIds = phonemeIds(c.phonemes);
      const out = await synthesize(singleSession, caseIds, PIPER_SCALES);
      const msPerPhoneme = (1000 * out.dims[2]!) / 16000 / phonemeCount(caseIds);
      expect(msPerPhoneme).toBeGreaterThan(60);
      expect(msPerPhoneme).toBeLessThan(120);
    }
  });

  it("outputs each phoneme id's frames: their sum times the hop is the audio's length", async () => {
    for (const lengthScale of [1, 1.7]) {
      const feeds = {
        input: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        input_lengths: new ort.Tensor("int64", BigInt64Array.of(BigInt(ids.length)), [1]),
        scales: new ort.Tensor("float32", Float32Array.of(0.667, lengthScale, 0.8), [3]),
      };
      const results = await singleSession.run(feeds);
      const durations = results.durations!.data as Float32Array;
      expect(results.durations!.dims).toEqual([1, ids.length]);
      const frames = durations.reduce((a, d) => a + d, 0);
      expect(durations.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
      expect(frames * HOP).toBe(results.output!.dims[2]);
      expect(results.output_lengths!.data).toEqual(BigInt64Array.of(BigInt(frames * HOP)));
    }
  });

  it("run a padded batch: each item's output_lengths is its one-item length, the rest of its row is silence", async () => {
    const rows = [ids, ids.slice(0, 9).concat(ids.at(-1)!), ids.slice(0, 31).concat(ids.at(-1)!)];
    const width = Math.max(...rows.map((r) => r.length));
    const padded = new BigInt64Array(rows.length * width);
    rows.forEach((r, i) => r.forEach((id, j) => (padded[i * width + j] = BigInt(id))));
    const results = await multiSession.run({
      input: new ort.Tensor("int64", padded, [rows.length, width]),
      input_lengths: new ort.Tensor(
        "int64",
        BigInt64Array.from(rows, (r) => BigInt(r.length)),
        [rows.length],
      ),
      scales: new ort.Tensor("float32", Float32Array.of(0, 1, 0), [3]),
      sid: new ort.Tensor("int64", BigInt64Array.of(0n, 3n, 1n), [rows.length]),
    });
    const [batch, , n] = results.output!.dims;
    expect(batch).toBe(rows.length);
    const audio = results.output!.data as Float32Array;
    for (const [i, row] of rows.entries()) {
      const alone = await synthesize(multiSession, row, NO_NOISE, [0, 3, 1][i]);
      const length = Number(results.output_lengths!.data[i]);
      expect(length).toBe(alone.dims[2]);
      expect(audio.subarray(i * n! + length, (i + 1) * n!).every((x) => x === 0)).toBe(true);
    }
    expect(Math.max(...Array.from(results.output_lengths!.data as BigInt64Array, Number))).toBe(n);
  });

  it("makes about twice as many samples at length_scale 2", async () => {
    const normal = await synthesize(singleSession, ids, NO_NOISE);
    const slow = await synthesize(singleSession, ids, { ...NO_NOISE, lengthScale: 2 });
    const ratio = slow.dims[2]! / normal.dims[2]!;
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.2);
  });

  it("gives different audio for different speakers, the same for the same one", async () => {
    const a = (await synthesize(multiSession, ids, NO_NOISE, 0)).data as Float32Array;
    const again = (await synthesize(multiSession, ids, NO_NOISE, 0)).data as Float32Array;
    const b = (await synthesize(multiSession, ids, NO_NOISE, 3)).data as Float32Array;
    expect(Buffer.from(again.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const n = Math.min(a.length, b.length);
    let diff = 0;
    for (let i = 0; i < n; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(a.length !== b.length || diff / n > 0.01).toBe(true);
  });

  it("is byte-identical for the same seed and differs for another", async () => {
    const again = await forgeVoice({ preset: "x_low", name: "again", outDir: join(dir, "again") });
    const other = await forgeVoice({ preset: "x_low", seed: 99, name: "other", outDir: join(dir, "other") });
    const bytes = await readFile(single.onnxPath);
    expect((await readFile(again.onnxPath)).equals(bytes)).toBe(true);
    expect((await readFile(other.onnxPath)).equals(bytes)).toBe(false);
    expect(single.bytes).toBe(bytes.length);
  });

  it("leaves no temporary files behind", async () => {
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("forged configs", () => {
  it("parse as Piper voice configs with the espeak map and the voxqueue block", async () => {
    const raw = JSON.parse(await readFile(single.configPath, "utf8")) as Record<string, unknown>;
    const cfg = parseVoiceConfig(raw, single.configPath);
    expect(cfg.audio).toEqual({ sample_rate: 16000, quality: "x_low" });
    expect(cfg.espeak.voice).toBe("en-us");
    expect(cfg.phoneme_type).toBe("espeak");
    expect(cfg.num_symbols).toBe(256);
    expect(cfg.num_speakers).toBe(1);
    expect(cfg.speaker_id_map).toEqual({});
    expect(cfg.inference).toEqual({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 });
    expect(cfg.language?.code).toBe("en_US");
    expect(cfg.dataset).toBe("voxqueue_reference");
    expect(cfg.piper_version).toBe("1.0.0");
    expect(cfg.phoneme_id_map).toEqual(lessac.phoneme_id_map);
    expect(raw.voxqueue).toMatchObject({ reference: true, preset: "x_low", seed: 1234, parameter_count: single.parameterCount });
  });

  it("name each speaker of a multi-speaker voice", async () => {
    const cfg = parseVoiceConfig(JSON.parse(await readFile(multi.configPath, "utf8")), multi.configPath);
    expect(cfg.num_speakers).toBe(4);
    expect(cfg.speaker_id_map).toEqual({ speaker_0: 0, speaker_1: 1, speaker_2: 2, speaker_3: 3 });
  });
});

describe("medium preset", () => {
  it("forges in seconds and runs Piper-style at 22050 Hz", async () => {
    const started = performance.now();
    const voice = await forgeVoice({ preset: "medium", name: "test-medium", outDir: dir });
    // Seconds on an idle machine; the bound leaves room for a loaded CI machine (speed targets live in pnpm bench).
    expect(performance.now() - started).toBeLessThan(45_000);
    expect(voice.bytes).toBeGreaterThan(60e6);
    expect(voice.bytes).toBeLessThan(70e6);
    const session = await ort.InferenceSession.create(voice.onnxPath);
    const out = await synthesize(session, ids, PIPER_SCALES);
    const stats = audioStats(out.data as Float32Array);
    expect(stats.finite).toBe(true);
    expect(stats.peak).toBeLessThan(0.999);
    expect(stats.rms).toBeGreaterThan(0.02);
    const msPerPhoneme = (1000 * out.dims[2]!) / 22050 / phonemeCount(ids);
    expect(msPerPhoneme).toBeGreaterThan(60);
    expect(msPerPhoneme).toBeLessThan(120);
    await session.release();
  });
});

describe("options and the reference-voice cache", () => {
  it("rejects names that are not file stems and bad speaker counts", async () => {
    await expect(forgeVoice({ preset: "x_low", name: "../evil", outDir: dir })).rejects.toThrow(ForgeOptionsError);
    await expect(forgeVoice({ preset: "x_low", numSpeakers: 0, name: "x", outDir: dir })).rejects.toThrow(ForgeOptionsError);
    await expect(ensureReferenceVoices(dir, { only: ["nope"] })).rejects.toThrow(ForgeOptionsError);
  });

  it("generates a missing reference voice once, and again when its config does not match", async () => {
    const voices = join(dir, "voices");
    const steps: string[] = [];
    const only = ["en_US-voxqueue_ref-x_low"];
    const [first] = await ensureReferenceVoices(voices, { only, onProgress: (p) => steps.push(p.step) });
    expect(steps).toContain("en_US-voxqueue_ref-x_low weights");
    expect(first!.parameterCount).toBe(single.parameterCount);

    steps.length = 0;
    const [cached] = await ensureReferenceVoices(voices, { only, onProgress: (p) => steps.push(p.step) });
    expect(steps).toEqual(["en_US-voxqueue_ref-x_low cached"]);
    expect(cached).toEqual(first);

    const config = JSON.parse(await readFile(first!.configPath, "utf8")) as { voxqueue: { seed: number } };
    config.voxqueue.seed = 7;
    await writeFile(first!.configPath, JSON.stringify(config));
    steps.length = 0;
    await ensureReferenceVoices(voices, { only, onProgress: (p) => steps.push(p.step) });
    expect(steps).toContain("en_US-voxqueue_ref-x_low weights");
    expect((JSON.parse(await readFile(first!.configPath, "utf8")) as typeof config).voxqueue.seed).toBe(1234);
  });
});
