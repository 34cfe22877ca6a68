import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "@voxqueue/contracts";
import { until, type AppProcess, type TestStack } from "@voxqueue/e2e";
import { auditJobs, bullKey, completionsByJob, startFaultStack, stopFaultStack, submitJob, waitForDrain, type RedisServer } from "../src/index.js";

const VOICE = "en_US-voxqueue_ref-x_low";
// 15 sentences: several seconds of inference on the x_low voice, well past a 1 s grace period.
const LONG_TEXT = Array.from({ length: 15 }, (_, i) => `Sentence number ${i + 1} keeps the worker busy for a while.`).join(" ");

let server: RedisServer;
let redis: Redis;
let stack: TestStack;
beforeAll(async () => {
  // A one-second grace period unless a test asks for more.
  ({ server, redis, stack } = await startFaultStack({ workerEnv: { SHUTDOWN_GRACE_SECONDS: "1", LOCK_DURATION_MS: "5000", STALLED_INTERVAL_MS: "2000" } }));
});
afterAll(() => stopFaultStack({ server, redis, stack }));

/** Resolves once worker `w` has logged `job started` for job `id`. */
function started(w: AppProcess, id: string): Promise<true> {
  const isStart = (text: string) => {
    if (!text.startsWith("{")) return false;
    const line = JSON.parse(text) as { msg?: string; job_id?: string };
    return line.msg === "job started" && line.job_id === id;
  };
  return until(`job ${id} to start`, async () => (w.output().split("\n").some(isStart) ? true : undefined), 60_000, 20);
}
const view = async (id: string) => (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;

describe("SIGTERM of a worker mid-job", () => {
  it("hands an unfinished job back to the queue after the grace period, without spending an attempt", async () => {
    const worker = stack.workers[0]!;
    const long = (await submitJob(stack.apiUrl, { text: LONG_TEXT, voice: VOICE })).id!;
    const queued = await Promise.all([1, 2, 3].map((i) => submitJob(stack.apiUrl, { text: `Waiting job ${i}.`, voice: VOICE })));
    await started(worker, long);
    const t0 = Date.now();
    worker.child.kill("SIGTERM");
    const code = await worker.exited;
    if (code !== 0) console.log(worker.output().slice(-3000));
    expect(code).toBe(0);
    const stopSeconds = (Date.now() - t0) / 1000;
    expect(worker.output()).toContain("job handed back to the queue");
    expect(worker.output()).not.toContain('"job failed"');
    // Back in the queue at once (not after a lock expiry), attempts untouched.
    const back = await view(long);
    expect(back.status).toBe("queued");
    expect(await redis.lpos(bullKey(stack.queueName, "wait"), long)).not.toBeNull();
    expect(Number((await redis.hget(bullKey(stack.queueName, long), "atm")) ?? 0)).toBe(0);

    const next = await stack.addWorker();
    const ids = [long, ...queued.map((q) => q.id!)];
    const counts = await waitForDrain(redis, stack.queueName, ids.length, 120_000);
    expect(counts.failed).toBe(0);
    expect((await auditJobs(redis, stack.queueName, ids)).notCompleted).toEqual([]);
    const done = await view(long);
    expect(done.status).toBe("completed");
    expect(done.attempts).toBe(1);
    expect(completionsByJob([worker, next]).get(long)).toBe(1);
    console.log(JSON.stringify({ test: "sigterm-hand-back", stop_s: stopSeconds }));
    await next.stop();
  });

  it("lets an in-flight job finish within the grace period, then exits", async () => {
    const worker = await stack.addWorker({ SHUTDOWN_GRACE_SECONDS: "60" });
    const id = (await submitJob(stack.apiUrl, { text: LONG_TEXT.slice(0, 240), voice: VOICE })).id!;
    const waiting = (await submitJob(stack.apiUrl, { text: "Not started before the signal.", voice: VOICE })).id!;
    await started(worker, id);
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(completionsByJob([worker]).get(id)).toBe(1);
    expect(worker.output()).not.toContain("handed back");
    // The worker took no new job while draining.
    expect((await view(waiting)).status).toBe("queued");
    const next = await stack.addWorker();
    await until("the waiting job", async () => ((await view(waiting)).status === "completed" ? true : undefined), 60_000);
    await next.stop();
  });
});

describe("SIGTERM of the API", () => {
  it("answers the requests in flight, then exits 0; every 202 is a queued job", async () => {
    const answers = Array.from({ length: 40 }, () => submitJob(stack.apiUrl, { text: "Accepted while stopping.", voice: VOICE }).catch(() => null));
    await new Promise((r) => setTimeout(r, 20));
    stack.api.child.kill("SIGTERM");
    expect(await stack.api.exited).toBe(0);
    const results = await Promise.all(answers);
    const accepted = results.filter((r) => r?.status === 202).map((r) => r!.id!);
    // Anything answered was a 202 (a request that never reached it failed to connect).
    expect(results.every((r) => r === null || r.status === 202)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    for (const id of accepted) expect(await redis.exists(bullKey(stack.queueName, id))).toBe(1);
  });
});
