import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { discoverVoices } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { BENCH_TEXTS, benchVoice, formatTable, spread, type BenchResult } from "../src/bench-lib.js";

// No timing assertions here: the numbers depend on the machine. Targets live in the
// report (`targets`, `meets_rtf_target`), for people to read.

const run = promisify(execFile);
const BENCH = join(import.meta.dirname, "..", "src", "bench.ts");

describe("spread", () => {
  it("gives the median (mean of the middle two for an even count), min and max", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(spread([7])).toEqual({ median: 7, min: 7, max: 7 });
    expect(() => spread([])).toThrow(RangeError);
  });
});

describe("bench texts", () => {
  it("are one sentence, ~300 and ~3000 characters", () => {
    expect(BENCH_TEXTS.sentence.split(/[.!?]\s/)).toHaveLength(1);
    expect(BENCH_TEXTS.paragraph.length).toBeGreaterThan(250);
    expect(BENCH_TEXTS.paragraph.length).toBeLessThan(350);
    expect(BENCH_TEXTS.long.length).toBeGreaterThan(2700);
    expect(BENCH_TEXTS.long.length).toBeLessThan(3300);
  });
});

describe("formatTable", () => {
  it("prints one aligned row per voice and text, RTF as median [min-max]", () => {
    const s = (median: number, min = median, max = median) => ({ median, min, max });
    const result: BenchResult = {
      voice: "v",
      quality: "x_low",
      text: "sentence",
      chars: 53,
      sentences: 1,
      runs: 3,
      audio_s: s(4),
      synthesis_s: s(0.2),
      phonemize_s: s(0.0012),
      inference_s: s(0.19),
      rtf: s(0.05, 0.04, 0.06),
      peak_rss_bytes: 512 * 2 ** 20,
      meets_rtf_target: true,
    };
    const lines = formatTable([result, { ...result, voice: "a-longer-voice-id", text: "paragraph" }]).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^voice\s+text\s+chars/);
    expect(lines[2]).toContain("0.050 [0.040-0.060]");
    expect(lines[2]).toContain("1.2");
    expect(lines[2]).toMatch(/512$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe("benchVoice", () => {
  it("reports every measurement of a real x_low voice (shape only)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vq-bench-voices-"));
    await ensureReferenceVoices(dir, { only: ["en_US-voxqueue_ref-x_low"] });
    const { voices } = await discoverVoices(dir);
    const progress: number[] = [];
    const { loadSeconds, results } = await benchVoice(voices[0]!, {
      texts: ["sentence"],
      runs: 2,
      intraOpThreads: 1,
      sentenceSilenceSeconds: 0.2,
      onProgress: (p) => progress.push(p.run),
    });
    expect(progress).toEqual([0, 1, 2]);
    expect(loadSeconds).toBeGreaterThan(0);
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r).toMatchObject({
      voice: "en_US-voxqueue_ref-x_low",
      quality: "x_low",
      text: "sentence",
      chars: BENCH_TEXTS.sentence.length,
      sentences: 1,
      runs: 2,
    });
    for (const key of ["audio_s", "synthesis_s", "phonemize_s", "inference_s", "rtf"] as const) {
      expect(r[key].min).toBeGreaterThan(0);
      expect(r[key].min).toBeLessThanOrEqual(r[key].median);
      expect(r[key].median).toBeLessThanOrEqual(r[key].max);
    }
    expect(r.synthesis_s.median).toBeGreaterThanOrEqual(r.inference_s.min);
    expect(r.peak_rss_bytes).toBeGreaterThan(50 * 2 ** 20);
    expect(r.meets_rtf_target).toBe(r.rtf.median < 1);
  }, 120_000);
});

describe("pnpm bench", () => {
  it("prints its usage with --help", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", BENCH, "--help"]);
    expect(stdout).toContain("Usage: pnpm bench");
    expect(stdout).toContain("--out FILE");
    expect(stdout).toContain("--quick");
    for (const section of ["limit", "peer", "e2e", "overhead", "queue", "api", "scaling", "memory", "longform"]) expect(stdout).toContain(`  ${section} `);
    expect(stdout).toContain("--longform-chars N");
  });

  it("rejects a bad option value with exit code 2", async () => {
    const err = (await run(process.execPath, ["--import", "tsx", BENCH, "--rounds", "0"]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("--rounds must be a positive integer");
    const short = (await run(process.execPath, ["--import", "tsx", BENCH, "--only", "longform", "--longform-chars", "5000"]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("--longform-chars must be at least 5001");
  });
});
