import { describe, expect, it } from "vitest";
import { runBurst } from "../src/index.js";

// CI runs a few hundred jobs; `pnpm load` runs the 5,000 of the README's figures.
const JOBS = Number(process.env.FAULTS_BURST_JOBS ?? 300);
/**
 * Inference threads of the worker, fixed so the memory bound means the same on every
 * machine. Each thread holds its own onnxruntime sessions of both x_low voices and their
 * arenas: measured on the 2-core CI machine, 1 thread peaks at ~680 MiB and 2 at ~1,120 MiB.
 */
const INFERENCE_THREADS = 2;

describe(`a burst of ${JOBS} submits against one worker`, () => {
  it("accepts and completes every job; the queue drains; memory stays bounded", async () => {
    const report = await runBurst({ jobs: JOBS, inferenceThreads: INFERENCE_THREADS });
    console.log(JSON.stringify({ test: "burst", ...report }));
    expect(report.accepted).toBe(JOBS);
    expect(report.refused).toEqual({});
    expect(report.lost).toBe(0);
    expect(report.failed).toBe(0);
    expect(report.completed).toBe(JOBS);
    expect(report.audio_keys).toBe(JOBS);
    // Generous bounds: short WAVs are ~20–60 KiB each, kept for AUDIO_TTL_SECONDS.
    expect(report.peak_redis_used_memory_mib).toBeLessThan(32 + (JOBS * 100) / 1024);
    // ~250 MiB for the process, ~450 MiB per inference thread, with room to spare.
    expect(report.peak_worker_rss_mib).toBeLessThan(256 + 640 * INFERENCE_THREADS);
    expect(report.peak_api_rss_mib).toBeLessThan(512);
  });
});
