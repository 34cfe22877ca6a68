import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { createLogger, createWorkerMetrics } from "@voxqueue/telemetry";
import { GpuMemorySampler, findOnPath, parseNvidiaSmiMemory, startGpuSampler } from "../src/gpu-sampler.js";

const MIB = 1024 * 1024;

// What nvidia-smi prints for the worker's query on a two-GPU host (values in MiB).
const TWO_GPUS = "0, 1234, 81559\n1, 0, 81559\n";
const DRIVER_DOWN =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n";

/**
 * A fake `nvidia-smi` in a fresh directory (to put on PATH): checks it was asked the
 * worker's query, counts its runs in `calls`, then runs `body` (sh).
 */
function fakeNvidiaSmi(body: string): { dir: string; calls: () => number; replace: (body: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), "vq-fake-nvidia-smi-"));
  const file = join(dir, "nvidia-smi");
  const write = (b: string) => {
    writeFileSync(
      file,
      `#!/bin/sh
printf x >> "\${0%/*}/calls"
if [ "$1" != "--query-gpu=index,memory.used,memory.total" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then
  echo "unexpected arguments: $*" >&2
  exit 2
fi
${b}
`,
    );
    chmodSync(file, 0o755);
  };
  write(body);
  const callsFile = join(dir, "calls");
  return { dir, calls: () => (existsSync(callsFile) ? readFileSync(callsFile, "utf8").length : 0), replace: write };
}

/** A fake's body that prints `out` verbatim (quoted heredoc: no shell expansion). */
const printing = (out: string) => `cat <<'VQ_END'\n${out.replace(/\n$/, "")}\nVQ_END`;

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("worker", "debug", { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

describe("parseNvidiaSmiMemory", () => {
  it("reads nvidia-smi's csv,noheader,nounits lines as bytes", () => {
    expect(parseNvidiaSmiMemory(TWO_GPUS)).toEqual([
      { gpuId: "0", usedBytes: 1234 * MIB, totalBytes: 81559 * MIB },
      { gpuId: "1", usedBytes: 0, totalBytes: 81559 * MIB },
    ]);
  });

  it("leaves out GPUs without a number ([N/A] on MIG slices) and keeps the others", () => {
    expect(parseNvidiaSmiMemory("0, [N/A], [N/A]\r\n1, 100, 200\r\n")).toEqual([{ gpuId: "1", usedBytes: 100 * MIB, totalBytes: 200 * MIB }]);
  });

  it("throws, quoting the output, on an error message, garbage or nothing", () => {
    expect(() => parseNvidiaSmiMemory(DRIVER_DOWN)).toThrow(/unexpected nvidia-smi output: "NVIDIA-SMI has failed/);
    expect(() => parseNvidiaSmiMemory("index, memory.used [MiB], memory.total [MiB]\nfoo, bar, baz\n")).toThrow(/unexpected nvidia-smi output/);
    expect(() => parseNvidiaSmiMemory("")).toThrow("nvidia-smi printed no GPU");
  });
});

describe("findOnPath", () => {
  it("finds an executable in PATH order and ignores relative entries", async () => {
    const a = fakeNvidiaSmi(printing(TWO_GPUS));
    const empty = mkdtempSync(join(tmpdir(), "vq-empty-"));
    expect(await findOnPath("nvidia-smi", [empty, "relative/dir", a.dir].join(":"))).toBe(join(a.dir, "nvidia-smi"));
    expect(await findOnPath("nvidia-smi", empty)).toBeNull();
    expect(await findOnPath("nvidia-smi", "")).toBeNull();
  });
});

describe("startGpuSampler", () => {
  it("with a working nvidia-smi on PATH: on, one log line, readings in bytes", async () => {
    const fake = fakeNvidiaSmi(printing(TWO_GPUS));
    const { logger, lines } = captureLogger();
    const sampler = await startGpuSampler(logger, { path: fake.dir });
    expect(sampler).not.toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", msg: expect.stringMatching(/^GPU metrics on/), gpus: ["0", "1"] });
    expect(await sampler!.read()).toEqual(parseNvidiaSmiMemory(TWO_GPUS));
  });

  it.each([
    ["no nvidia-smi on PATH", null, /GPU metrics off: nvidia-smi is not on PATH/],
    ["nvidia-smi failing (driver down, exit 9)", `${printing(DRIVER_DOWN)}\nexit 9`, /GPU metrics off: nvidia-smi is on PATH but failed/],
    ["nvidia-smi printing garbage", printing("this is not csv\n"), /GPU metrics off: nvidia-smi is on PATH but failed/],
  ])("%s: off, exactly one log line, no throw", async (_name, body, message) => {
    const dir = body === null ? mkdtempSync(join(tmpdir(), "vq-no-gpu-")) : fakeNvidiaSmi(body).dir;
    const { logger, lines } = captureLogger();
    expect(await startGpuSampler(logger, { path: dir })).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", msg: expect.stringMatching(message) });
  });
});

describe("GpuMemorySampler", () => {
  it("runs nvidia-smi once for concurrent reads and reuses a reading for cacheMs", async () => {
    const fake = fakeNvidiaSmi(printing(TWO_GPUS));
    let now = 0;
    const sampler = new GpuMemorySampler({ command: join(fake.dir, "nvidia-smi"), cacheMs: 2000, now: () => now });
    const reads = await Promise.all([sampler.read(), sampler.read(), sampler.read()]);
    expect(reads.every((r) => r.length === 2)).toBe(true);
    expect(fake.calls()).toBe(1);
    now = 1999;
    await sampler.read();
    expect(fake.calls()).toBe(1);
    now = 2000;
    await sampler.read();
    expect(fake.calls()).toBe(2);
  });

  it("feeds tts_gpu_memory_bytes / _total_bytes at scrape time; a failing nvidia-smi makes them absent and logs once", async () => {
    const fake = fakeNvidiaSmi(printing(TWO_GPUS));
    const { logger, lines } = captureLogger();
    let now = 0;
    const sampler = new GpuMemorySampler({ command: join(fake.dir, "nvidia-smi"), cacheMs: 2000, now: () => now, logger });
    const registry = new Registry();
    createWorkerMetrics(registry, { queue: "q", defaultMetrics: false, readCounts: async () => ({}), readGpuMemory: () => sampler.read() });
    const gpuLines = async () => (await registry.metrics()).split("\n").filter((l) => l.startsWith("tts_gpu_"));

    expect(await gpuLines()).toEqual([
      `tts_gpu_memory_bytes{gpu_id="0"} ${1234 * MIB}`,
      'tts_gpu_memory_bytes{gpu_id="1"} 0',
      `tts_gpu_memory_total_bytes{gpu_id="0"} ${81559 * MIB}`,
      `tts_gpu_memory_total_bytes{gpu_id="1"} ${81559 * MIB}`,
    ]);
    expect(fake.calls()).toBe(1); // both gauges, one run

    fake.replace(`${printing(DRIVER_DOWN)}\nexit 9`);
    for (let i = 1; i <= 3; i++) {
      now = i * 2000;
      expect(await gpuLines()).toEqual([]);
    }
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: expect.stringContaining("GPU memory read failed"), err: expect.stringContaining("NVIDIA-SMI has failed") });

    fake.replace(printing("garbage\n"));
    now = 8000;
    expect(await gpuLines()).toEqual([]);

    fake.replace(printing(TWO_GPUS));
    now = 10_000;
    expect(await gpuLines()).toHaveLength(4);
    expect(lines.at(-1)).toMatchObject({ level: "info", msg: "GPU memory readable again" });
  });

  it("gives up on a hanging nvidia-smi after timeoutMs; reads meanwhile share that one run", async () => {
    const fake = fakeNvidiaSmi("exec sleep 60");
    let now = 0;
    const sampler = new GpuMemorySampler({ command: join(fake.dir, "nvidia-smi"), timeoutMs: 200, cacheMs: 2000, now: () => now });
    const t0 = performance.now();
    const first = sampler.read();
    now = 1000;
    const second = sampler.read();
    expect(await Promise.all([first, second])).toEqual([[], []]);
    // Far below the fake's 60 s: the read gave up instead of waiting (generous for a loaded machine).
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(fake.calls()).toBe(1);
  });
});
