import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "@voxqueue/contracts";
import { startStack, until, type TestStack } from "@voxqueue/e2e";
import { startRedisServer, submitJob, type RedisServer } from "../src/index.js";

const VOICE = "en_US-voxqueue_ref-x_low";
// ~20 sentences: far more than one second of inference on the x_low voice.
const LONG_TEXT = Array.from({ length: 20 }, (_, i) => `Sentence ${i + 1} runs past the time limit of this job.`).join(" ");

let server: RedisServer;
let stack: TestStack;
beforeAll(async () => {
  server = await startRedisServer();
  stack = await startStack({
    redisUrl: server.url(),
    apiEnv: { JOB_ATTEMPTS: "2", JOB_BACKOFF_MS: "100" },
    workerEnv: { JOB_TIMEOUT_SECONDS: "1" },
  });
});
afterAll(async () => {
  await stack?.stop();
  await server?.destroy();
});

async function finished(id: string): Promise<JobView> {
  return until(
    `job ${id}`,
    async () => {
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
      return job.status === "completed" || job.status === "failed" ? job : undefined;
    },
    120_000,
    200,
  );
}

describe("per-job synthesis timeout", () => {
  it("fails the job as timeout after its attempts; the worker lives on and serves the next job", async () => {
    const worker = stack.workers[0]!;
    const slow = await finished((await submitJob(stack.apiUrl, { text: LONG_TEXT, voice: VOICE })).id!);
    expect(slow.status).toBe("failed");
    expect(slow.error?.type).toBe("timeout");
    expect(slow.attempts).toBe(2);
    // The inference thread stopped at a sentence boundary: no abort, no restart.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).not.toMatch(/terminate called|Aborted/);
    const quick = await finished((await submitJob(stack.apiUrl, { text: "Still serving.", voice: VOICE })).id!);
    expect(quick.status).toBe("completed");
    const metrics = await (await fetch(`${stack.workerMetricsUrls[0]}/metrics`)).text();
    expect(metrics).toMatch(/^tts_errors_total\{error_type="timeout"\} 2$/m);
  });
});
