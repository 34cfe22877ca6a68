import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

// scripts/gpu-check.sh as an operator runs it, on this CPU-only host: the CUDA provider's
// libraries are never installed here (.npmrc skips onnxruntime-node's download), so cuda
// must come out unavailable and cpu timed.
const SCRIPT = fileURLToPath(new URL("../../../scripts/gpu-check.sh", import.meta.url));
const X_LOW = "en_US-voxqueue_ref-x_low";
const run = promisify(execFile);

let voicesDir: string;
beforeAll(async () => {
  // Empty: the script generates the reference voice it is asked for (pnpm voices --only).
  voicesDir = await mkdtemp(join(tmpdir(), "vq-gpu-check-"));
});

describe("scripts/gpu-check.sh", () => {
  it("--help says what it prints and takes, and runs nothing", async () => {
    const { stdout } = await run(SCRIPT, ["--help"]);
    expect(stdout).toMatch(/^usage: scripts\/gpu-check\.sh/);
    for (const option of ["--providers", "--rounds", "--voice", "--json"]) expect(stdout).toContain(option);
    expect(stdout).not.toContain("loaded and warmed up");
  });

  it("on a CPU host: cuda unavailable with onnxruntime's reason, cpu timed for one word and one paragraph, GPU gauges absent", async () => {
    const json = join(voicesDir, "report.json");
    const { stdout } = await run(SCRIPT, ["--providers", "cuda,cpu", "--rounds", "1", "--voice", X_LOW, "--json", json], {
      env: { ...process.env, VOICES_DIR: voicesDir },
      maxBuffer: 1 << 20,
    });
    expect(stdout).toMatch(/^cuda: unavailable \(.+\)$/m);
    expect(stdout).toMatch(/^cpu: loaded and warmed up in [\d.]+ s$/m);
    expect(stdout).toMatch(/^ {2}one word +6 +1 +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(stdout).toMatch(/^ {2}one paragraph +\d+ +5 +[\d.]+ +[\d.]+ +[\d.]+$/m);
    const report = JSON.parse(await readFile(json, "utf8")) as { voice: string; providers: Record<string, unknown>[]; gpu_memory_before: unknown };
    expect(report.voice).toBe(X_LOW);
    expect(report.gpu_memory_before).toMatch(/^absent: /);
    expect(report.providers[0]).toMatchObject({ provider: "cuda", available: false, reason: expect.any(String) });
    const cpu = report.providers[1] as { provider: string; timings: { audioSeconds: number; inferenceSeconds: number; rtf: number }[] };
    expect(cpu.provider).toBe("cpu");
    expect(cpu.timings).toHaveLength(2);
    for (const t of cpu.timings) {
      expect(t.audioSeconds).toBeGreaterThan(0);
      expect(t.rtf).toBeCloseTo(t.inferenceSeconds / t.audioSeconds, 10);
    }
    // Batch-size scaling on every provider that ran: the reference graph can batch.
    expect(stdout).toMatch(/^ {2}cpu: B=1 [\d.]+ audio s\/s \(x1\.00\), B=2 [\d.]+ audio s\/s \(x[\d.]+\), B=4 .+, B=8 .+$/m);
    const scaling = (report as unknown as { batch_scaling: Record<string, { batchSize: number }[]> }).batch_scaling;
    expect(Object.keys(scaling)).toEqual(["cpu"]);
    expect(scaling.cpu!.map((r) => r.batchSize)).toEqual([1, 2, 4, 8]);
    // The paragraph is five sentences of the one word's kind: more audio.
    expect(cpu.timings[1]!.audioSeconds).toBeGreaterThan(cpu.timings[0]!.audioSeconds * 5);
  }, 300_000);

  it("fails with the reason when the voice is not there", async () => {
    await expect(run(SCRIPT, ["--voice", "nope", "--providers", "cpu"], { env: { ...process.env, VOICES_DIR: voicesDir } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no voice nope in"),
    });
  }, 120_000);
});
