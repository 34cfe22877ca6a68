import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { createApiMetrics, createWorkerMetrics, textPreview } from "../src/index.js";

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
});
