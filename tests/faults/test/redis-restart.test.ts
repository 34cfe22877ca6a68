import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, type TestStack } from "@voxqueue/e2e";
import {
  auditJobs,
  bullKey,
  completionsByJob,
  startFaultStack,
  stopFaultStack,
  submitJob,
  waitForDrain,
  type RedisServer,
  type Submission,
} from "../src/index.js";

const VOICE = "en_US-voxqueue_ref-x_low";
const DOWN_MS = 3000;
// The API reconnects at most 2 s apart (its retryStrategy); one more second of slack.
const RECONNECT_SLACK_MS = 3000;

let server: RedisServer;
let redis: Redis;
let stack: TestStack;
beforeAll(async () => {
  ({ server, redis, stack } = await startFaultStack({ workerEnv: { WORKER_CONCURRENCY: "2", LOCK_DURATION_MS: "10000", STALLED_INTERVAL_MS: "2000" } }));
});
afterAll(() => stopFaultStack({ server, redis, stack }));

describe("Redis restart (AOF) while jobs flow", () => {
  it("completes every accepted job; the API answers 503 only while Redis is down; workers resume", async () => {
    const submissions: (Submission & { sentAt: number })[] = [];
    let stop = false;
    const submitter = (async () => {
      for (let i = 0; !stop; i++) {
        const sentAt = Date.now();
        const res = await submitJob(stack.apiUrl, { text: `Job number ${i} goes through a restart.`, voice: VOICE });
        submissions.push({ ...res, sentAt });
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await until("30 accepted jobs", async () => (submissions.filter((s) => s.status === 202).length >= 30 ? true : undefined), 30_000);

    const downAt = Date.now();
    await server.stop();
    const readyWhileDown = await fetch(`${stack.apiUrl}/readyz`);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await server.start();
    const upAt = Date.now();
    const acceptedBefore = submissions.filter((s) => s.status === 202).length;
    await until(
      "30 more accepted jobs after the restart",
      async () => (submissions.filter((s) => s.status === 202).length >= acceptedBefore + 30 ? true : undefined),
      60_000,
    );
    stop = true;
    await submitter;

    expect(readyWhileDown.status).toBe(503);
    await until("API ready again", async () => ((await fetch(`${stack.apiUrl}/readyz`)).ok ? true : undefined), 30_000);

    const accepted = submissions.filter((s) => s.status === 202).map((s) => s.id!);
    const refused = submissions.filter((s) => s.status !== 202);
    // Only 503 + Retry-After, and only around the outage.
    for (const s of refused) {
      expect(s.status).toBe(503);
      expect(s.errorType).toBe("service_unavailable");
      expect(Number(s.retryAfter)).toBeGreaterThan(0);
      expect(s.at).toBeGreaterThanOrEqual(downAt);
      expect(s.sentAt).toBeLessThanOrEqual(upAt + RECONNECT_SLACK_MS);
    }
    expect(refused.length).toBeGreaterThan(0);

    const counts = await waitForDrain(redis, stack.queueName, accepted.length, 120_000);
    const { notCompleted, audioKeys } = await auditJobs(redis, stack.queueName, accepted);
    // A worker logs `job completed` after Redis has the job completed: on a loaded machine the line may lag the count.
    const completions = await until(
      "a job completed line for every accepted job",
      async () => {
        const byJob = completionsByJob(stack.workers);
        return accepted.every((id) => byJob.has(id)) ? byJob : undefined;
      },
      60_000,
    );
    console.log(
      JSON.stringify({
        test: "redis-restart",
        accepted: accepted.length,
        refused_503: refused.length,
        down_s: (upAt - downAt) / 1000,
        lost: notCompleted.length,
        failed: counts.failed,
        unacknowledged: completions.size - accepted.length,
      }),
    );
    expect(notCompleted).toEqual([]);
    expect(counts.failed).toBe(0);
    expect(audioKeys).toBe(accepted.length);
    expect([...completions.values()].every((n) => n === 1)).toBe(true);
    // A job whose add reached Redis just as it stopped may have been answered 503 (the
    // reply was lost with the connection): it runs like any other, and it was created
    // before the outage, never during it.
    const unacknowledged = [...completions.keys()].filter((id) => !accepted.includes(id));
    for (const id of unacknowledged) expect(Number(await redis.hget(bullKey(stack.queueName, id), "timestamp"))).toBeLessThanOrEqual(downAt + 1000);
    expect(unacknowledged.length).toBeLessThanOrEqual(refused.filter((s) => s.sentAt <= downAt + 1000).length);
    expect(completions.size).toBe(accepted.length + unacknowledged.length);
    // The same worker processes carried on: none restarted.
    expect(stack.workers.every((w) => w.child.exitCode === null)).toBe(true);
    // Both apps warned about nothing: this Redis has AOF and noeviction.
    for (const app of [stack.api, ...stack.workers]) expect(app.output()).not.toMatch(/appendonly|maxmemory-policy/);
  });
});
