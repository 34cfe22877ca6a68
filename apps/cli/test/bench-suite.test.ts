import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverVoices, espeakInfo, prepareText } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { CORPUS, CORPUS_PARAGRAPH, ONE_SENTENCE } from "../src/bench/corpus.js";
import { writeSherpaVoice } from "../src/bench/engines.js";
import { measureLimit } from "../src/bench/limit.js";
import { emptySuite, formatSuite, type SuiteReport } from "../src/bench/report.js";
import { interleave, percentiles, quantile, ratioSpread } from "../src/bench/stats.js";

// Shapes only: no timing is asserted (it depends on the machine); targets live in the report's goals.

describe("the corpus", () => {
  it("is twenty sentences of mixed lengths, each one sentence to the phonemizer", async () => {
    expect(CORPUS).toHaveLength(20);
    const words = CORPUS.map((s) => s.split(/\s+/).length);
    expect(Math.min(...words)).toBeLessThanOrEqual(2);
    expect(Math.max(...words)).toBeGreaterThanOrEqual(30);
    expect(CORPUS).toContain(ONE_SENTENCE);
    expect(CORPUS_PARAGRAPH).toBe(CORPUS.join(" "));
    const dir = mkdtempSync(join(tmpdir(), "vq-bench-corpus-"));
    await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low"] });
    const voice = (await discoverVoices(dir)).voices[0]!;
    for (const s of CORPUS) expect(prepareText(s, voice.config).sentences).toHaveLength(1);
  }, 60_000);
});

describe("stats", () => {
  it("takes nearest-rank quantiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(percentiles([3, 1, 2])).toEqual({ p50: 2, p99: 3, n: 3 });
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });

  it("interleaves rounds, each starting one measure later, and pairs ratios by round", async () => {
    const calls: string[] = [];
    const measure = (k: string, v: number) => async () => (calls.push(k), v);
    const out = await interleave(3, { a: measure("a", 2), b: measure("b", 4), c: measure("c", 1) });
    expect(calls).toEqual(["a", "b", "c", "b", "c", "a", "c", "a", "b"]);
    expect(out).toEqual({ a: [2, 2, 2], b: [4, 4, 4], c: [1, 1, 1] });
    expect(ratioSpread([1, 2, 3], [2, 2, 2])).toEqual({ median: 1, min: 0.5, max: 1.5 });
  });
});

describe("the limit and the native peer", () => {
  it("run bare onnxruntime-node and sherpa-onnx-node (offline, Piper metadata added) on a real voice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vq-bench-limit-"));
    await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low"] });
    const voice = (await discoverVoices(dir)).voices[0]!;
    const texts = CORPUS.slice(0, 2);
    const ids = texts.map((t) => prepareText(t, voice.config).sentences[0]!);
    const sherpa = await writeSherpaVoice(voice, join(dir, "sherpa"), espeakInfo().dataPath);
    const configs = [
      { engine: "ort" as const, sessions: 1, intraOpThreads: 1 },
      { engine: "sherpa" as const, sessions: 1, intraOpThreads: 1 },
    ];
    const { rows, limit, sets } = await measureLimit({ voice, ids, texts, sherpa }, configs, 1, () => undefined);
    try {
      expect(limit).toEqual(configs[0]);
      expect(rows.map((r) => r.engine)).toEqual(["onnxruntime-node", "sherpa-onnx-node"]);
      for (const r of rows) {
        expect(r.audio_s_per_s.median).toBeGreaterThan(0);
        expect(r.ratio_to_limit.median).toBeGreaterThan(0);
      }
      expect(rows[0]!.ratio_to_limit).toEqual({ median: 1, min: 1, max: 1 });
      // Both engines make audio of about the same length from the same model and text.
      const ort = await sets.get("ort 1x1")!.run([0, 1]);
      const native = await sets.get("sherpa 1x1")!.run([0, 1]);
      expect(native.audioSeconds / ort.audioSeconds).toBeGreaterThan(0.7);
      expect(native.audioSeconds / ort.audioSeconds).toBeLessThan(1.3);
      const report: SuiteReport = {
        ...emptySuite({
          host: { cpus: 2, cpu_model: "cpu", total_memory_bytes: 1, node: process.version, platform: "linux-x64" },
          quick: true,
          rounds: 1,
          voice: voice.id,
          corpus: { sentences: 2, chars: 10 },
        }),
        limit: { rows, limit: "ort 1x1", native_peer_best_ratio: rows[1]!.ratio_to_limit },
        goals: { api_p99: { goal: "API p99 < 50 ms", value: null, met: null } },
      };
      const text = formatSuite(JSON.parse(JSON.stringify(report)) as SuiteReport);
      expect(text).toMatch(/onnxruntime-node\s+1 x 1/);
      expect(text).toMatch(/sherpa-onnx-node\s+1 x 1/);
      expect(text).toContain("API p99 < 50 ms");
    } finally {
      for (const s of sets.values()) await s.close();
    }
  }, 180_000);
});
