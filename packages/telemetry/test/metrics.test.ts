import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { JOB_ERROR_TYPES } from "@voxqueue/contracts";
import { createApiMetrics, createWorkerMetrics, textPreview, type GpuMemoryReading } from "../src/index.js";

describe("queue gauges", () => {
  it("read BullMQ counts at scrape time, once for both gauges", async () => {
    const registry = new Registry();
    let reads = 0;
    createApiMetrics(registry, {
      queue: "q",
      defaultMetrics: false,
      readCounts: async () => {
        reads++;
        return { waiting: 3, prioritized: 1, delayed: 2, active: 4, completed: 9, failed: 1 };
      },
    });
    const text = await registry.metrics();
    expect(reads).toBe(1);
    expect(text).toContain('tts_queue_length{queue="q",state="waiting"} 3');
    expect(text).toContain('tts_queue_length{queue="q",state="prioritized"} 1');
    expect(text).toContain('tts_queue_length{queue="q",state="delayed"} 2');
    expect(text).not.toContain('tts_queue_length{queue="q",state="active"}');
    expect(text).toContain('tts_queue_jobs{queue="q",state="active"} 4');
    expect(text).toContain('tts_queue_jobs{queue="q",state="completed"} 9');
  });
});

describe("worker metrics", () => {
  it("use the seed's names and buckets", async () => {
    const registry = new Registry();
    const m = createWorkerMetrics(registry, { queue: "q", defaultMetrics: false, readCounts: async () => ({}) });
    const labels = { model: "v", language: "en_US" };
    m.requests.inc({ status: "success", ...labels });
    m.synthesisDuration.observe(labels, 0.3);
    m.audioDuration.observe(labels, 3);
    const text = await registry.metrics();
    expect(text).toContain('tts_requests_total{status="success",model="v",language="en_US"} 1');
    expect(text).toContain('tts_synthesis_duration_seconds_bucket{le="0.25",model="v",language="en_US"} 0');
    expect(text).toContain('tts_synthesis_duration_seconds_bucket{le="0.5",model="v",language="en_US"} 1');
    expect(text).toContain('tts_audio_duration_seconds_bucket{le="5",model="v",language="en_US"} 1');
  });
});

describe("textPreview", () => {
  it("never shows more than the configured prefix", () => {
    expect(textPreview("secret text", 0)).toBe("");
    expect(textPreview("secret text", 6)).toBe("secret…");
    expect(textPreview("short", 32)).toBe("short");
  });

  it("strips Unicode control and format characters (bidi overrides, zero-width, NUL), counting only what is left", () => {
    // U+202E RIGHT-TO-LEFT OVERRIDE would reverse the rest of the line in a viewer.
    expect(textPreview("\u202Egnp.exe\u202C hello", 32)).toBe("gnp.exe hello");
    expect(textPreview("a\u200Bb\u200Dc\uFEFFd\u2066e\u2069\u0000\u0007\u001B[31mf\u007F", 32)).toBe("abcde[31mf");
    expect(textPreview("\u202E\u202E\u202Esecret text", 6)).toBe("secret…");
    // Line breaks and tabs become one space, so words stay apart.
    expect(textPreview("one\ntwo\r\nthree\tfour\u0085five", 32)).toBe("one two three four five");
  });

  it("never cuts a character in half", () => {
    expect(textPreview("😀😀😀", 2)).toBe("😀😀…");
    expect(textPreview("a😀", 1)).toBe("a…");
    expect(textPreview("a\uD800b", 32)).toBe("ab");
  });
});

/** Samples of a Prometheus text exposition: `name{labels} value` lines, comments skipped. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

describe("series that exist before the first event", () => {
  it("tts_errors_total starts at 0 for every job error type, in both apps", async () => {
    for (const create of [createApiMetrics, createWorkerMetrics]) {
      const registry = new Registry();
      create(registry, { queue: "q", defaultMetrics: false, readCounts: async () => ({}) });
      const errors = samples(await registry.metrics()).filter((s) => s.name === "tts_errors_total");
      expect(errors.map((s) => s.labels.error_type).sort()).toEqual([...JOB_ERROR_TYPES].sort());
      expect(errors.every((s) => s.value === 0)).toBe(true);
    }
  });

  it("a worker's voices start at 0 (requests of both statuses, histograms) and jobs in progress reads 0", async () => {
    const registry = new Registry();
    createWorkerMetrics(registry, {
      queue: "q",
      defaultMetrics: false,
      readCounts: async () => ({}),
      models: [
        { model: "a", language: "en_US" },
        { model: "b", language: "de_DE" },
      ],
    });
    const all = samples(await registry.metrics());
    const requests = all.filter((s) => s.name === "tts_requests_total");
    expect(requests.map((s) => `${s.labels.model}/${s.labels.status}/${s.labels.language}`).sort()).toEqual([
      "a/error/en_US",
      "a/success/en_US",
      "b/error/de_DE",
      "b/success/de_DE",
    ]);
    expect(requests.every((s) => s.value === 0)).toBe(true);
    for (const name of ["tts_synthesis_duration_seconds", "tts_audio_duration_seconds", "tts_rtf_ratio"]) {
      expect(all.filter((s) => s.name === `${name}_count`).map((s) => [s.labels.model, s.value])).toEqual([
        ["a", 0],
        ["b", 0],
      ]);
    }
    expect(all.find((s) => s.name === "tts_jobs_in_progress")).toEqual({ name: "tts_jobs_in_progress", labels: { queue: "q" }, value: 0 });
    expect(all.find((s) => s.name === "tts_queue_wait_seconds_count")).toMatchObject({ labels: { queue: "q", lane: "interactive" }, value: 0 });
  });
});

describe("queue gauges when Redis does not answer", () => {
  it("are absent (not stale, not zero) and the other metrics are still served", async () => {
    const registry = new Registry();
    let fail = false;
    const m = createWorkerMetrics(registry, {
      queue: "q",
      defaultMetrics: false,
      readCounts: async () => {
        if (fail) throw new Error("Connection is closed.");
        return { waiting: 5 };
      },
    });
    expect(await registry.metrics()).toContain('tts_queue_length{queue="q",state="waiting"} 5');
    fail = true;
    m.requests.inc({ status: "success", model: "v", language: "en_US" });
    const text = await registry.metrics();
    expect(samples(text).filter((s) => s.name === "tts_queue_length" || s.name === "tts_queue_jobs")).toEqual([]);
    expect(text).toContain('tts_requests_total{status="success",model="v",language="en_US"} 1');
  });

  it("give up on a read that hangs after queueReadTimeoutMs", async () => {
    const registry = new Registry();
    createApiMetrics(registry, { queue: "q", defaultMetrics: false, queueReadTimeoutMs: 50, readCounts: () => new Promise(() => undefined) });
    const text = await registry.metrics();
    expect(samples(text).filter((s) => s.name.startsWith("tts_queue_"))).toEqual([]);
  });
});

describe("GPU memory gauges", () => {
  it("are absent without a reader (CPU hosts)", async () => {
    const registry = new Registry();
    createWorkerMetrics(registry, { queue: "q", defaultMetrics: false, readCounts: async () => ({}) });
    expect(samples(await registry.metrics()).filter((s) => s.name.startsWith("tts_gpu_"))).toEqual([]);
  });

  it("read every GPU once per scrape; a GPU that disappears or a failed read leaves no stale value", async () => {
    const registry = new Registry();
    let reads = 0;
    let next: () => Promise<GpuMemoryReading[]> = async () => [
      { gpuId: "0", usedBytes: 1024, totalBytes: 4096 },
      { gpuId: "1", usedBytes: 0, totalBytes: 8192 },
    ];
    createWorkerMetrics(registry, {
      queue: "q",
      defaultMetrics: false,
      readCounts: async () => ({}),
      readGpuMemory: () => {
        reads++;
        return next();
      },
    });
    const gpu = async () =>
      samples(await registry.metrics())
        .filter((s) => s.name.startsWith("tts_gpu_"))
        .map((s) => `${s.name}{${s.labels.gpu_id}} ${s.value}`);
    expect(await gpu()).toEqual([
      "tts_gpu_memory_bytes{0} 1024",
      "tts_gpu_memory_bytes{1} 0",
      "tts_gpu_memory_total_bytes{0} 4096",
      "tts_gpu_memory_total_bytes{1} 8192",
    ]);
    expect(reads).toBe(1);
    next = async () => [{ gpuId: "1", usedBytes: 10, totalBytes: 8192 }];
    expect(await gpu()).toEqual(["tts_gpu_memory_bytes{1} 10", "tts_gpu_memory_total_bytes{1} 8192"]);
    next = () => Promise.reject(new Error("nvidia-smi failed"));
    expect(await gpu()).toEqual([]);
  });
});
