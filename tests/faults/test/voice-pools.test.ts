import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolQueueName } from "@voxqueue/contracts";
import { until, type AppProcess, type TestStack } from "@voxqueue/e2e";
import { bullKey, completionsByJob, startFaultStack, stopFaultStack, submitJob, waitForDrain, type RedisServer } from "../src/index.js";

// Two workers with different voices: x_low in the default pool (the base queue), the
// multi-speaker voice in pool "multi" (its own queue). Each worker hosts one voice
// (WORKER_VOICES), so each consumes one queue.
const XLOW = "en_US-voxqueue_ref-x_low";
const MULTI = "en_US-voxqueue_ref_multi-x_low";
const POOLS = { VOICE_POOLS: `multi=${MULTI}` };
// The catalog forgets a dead worker's voices after this long (production: 600 s).
const CATALOG_MAX_AGE_SECONDS = 5;
const TEXT = "Each voice has its own queue. A job reaches only a worker with its voice.";

let server: RedisServer;
let redis: Redis;
let stack: TestStack;
let xlowWorker: AppProcess;
let multiWorker: AppProcess;
beforeAll(async () => {
  ({ server, redis, stack } = await startFaultStack({
    workers: 1,
    apiEnv: { ...POOLS, VOICE_CATALOG_MAX_AGE_SECONDS: String(CATALOG_MAX_AGE_SECONDS) },
    workerEnv: { ...POOLS, WORKER_VOICES: XLOW },
  }));
  xlowWorker = stack.workers[0]!;
  multiWorker = await stack.addWorker({ WORKER_VOICES: MULTI });
});
afterAll(() => stopFaultStack({ server, redis, stack }));

/** Ids of the jobs `w` logged `job completed` for. */
const completedBy = (w: AppProcess) => new Set(completionsByJob([w]).keys());

async function submitAll(voice: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await submitJob(stack.apiUrl, { text: TEXT, voice });
    expect(res.status, `submit for ${voice}: ${res.errorType}`).toBe(202);
    ids.push(res.id!);
  }
  return ids;
}

describe("voice pools across worker processes", () => {
  it("routes each voice's jobs to the worker that hosts it; killing the only worker of one voice leaves the other's jobs running", async () => {
    const poolQueue = poolQueueName(stack.queueName, "multi");
    const xlowIds = await submitAll(XLOW, 4);
    const multiIds = await submitAll(MULTI, 4);
    expect(multiIds.every((id) => id.startsWith("multi."))).toBe(true);
    await waitForDrain(redis, stack.queueName, xlowIds.length, 120_000);
    await waitForDrain(redis, poolQueue, multiIds.length, 120_000);
    // Each job ran on the worker with its voice, and only there.
    expect([...completedBy(xlowWorker)].sort()).toEqual([...xlowIds].sort());
    expect([...completedBy(multiWorker)].sort()).toEqual([...multiIds].sort());

    // kill -9 the only worker of the multi voice with its jobs still queued.
    const stranded = await submitAll(MULTI, 3);
    multiWorker.child.kill("SIGKILL");
    await multiWorker.exited;
    const t0 = Date.now();
    const after = await submitAll(XLOW, 4);
    const counts = await waitForDrain(redis, stack.queueName, xlowIds.length + after.length, 120_000);
    expect(counts.failed).toBe(0);
    for (const id of after) expect(completedBy(xlowWorker).has(id)).toBe(true);
    // The multi voice's jobs wait in their own queue for a worker with the voice; none ran on the x_low worker.
    for (const id of stranded) expect(await redis.zscore(bullKey(poolQueue, "completed"), id)).toBeNull();
    for (const id of stranded) expect(completedBy(xlowWorker).has(id)).toBe(false);

    // Once the catalog forgets the dead worker, a submit for its voice is refused: 400 naming the voice.
    const refused = await until(
      "a submit for the unhosted voice refused",
      async () => {
        const res = await submitJob(stack.apiUrl, { text: TEXT, voice: MULTI });
        return res.status === 400 ? res : undefined;
      },
      60_000,
      500,
    );
    expect(refused.errorType).toBe("invalid_input");
    console.log(
      JSON.stringify({
        test: "voice-pools",
        xlow_jobs: xlowIds.length + after.length,
        multi_jobs: multiIds.length,
        stranded: stranded.length,
        refused_after_s: (Date.now() - t0) / 1000,
      }),
    );
  });
});
