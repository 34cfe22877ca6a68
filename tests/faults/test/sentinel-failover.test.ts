import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "@voxqueue/runtime";
import { startStack, until, type TestStack } from "@voxqueue/e2e";
import { auditJobs, queueCounts, startSentinelGroup, submitJob, waitForDrain, type SentinelGroup, type Submission } from "../src/index.js";

const VOICE = "en_US-voxqueue_ref-x_low";

let group: SentinelGroup;
let redis: Redis;
let stack: TestStack;
beforeAll(async () => {
  group = await startSentinelGroup();
  // REDIS_URL gives the database; the Sentinels give the server.
  const env = { ...group.env };
  // Replication is asynchronous: a job the old primary took after the replica was promoted
  // would be lost with it, so the API answers 202 only once the replica has the job.
  stack = await startStack({
    redisUrl: group.servers[0].url(),
    workers: 2,
    apiEnv: { ...env, REDIS_WAIT_REPLICAS: "1" },
    workerEnv: { ...env, WORKER_CONCURRENCY: "2", LOCK_DURATION_MS: "10000", STALLED_INTERVAL_MS: "2000" },
  });
  redis = createRedis(
    {
      REDIS_URL: "redis://127.0.0.1/0",
      REDIS_SENTINELS: group.sentinelPorts.map((port) => ({ host: "127.0.0.1", port })),
      REDIS_SENTINEL_NAME: group.env.REDIS_SENTINEL_NAME,
    },
    { maxRetriesPerRequest: null },
  );
  redis.on("error", () => undefined); // the primary changes under it on purpose
});
afterAll(async () => {
  await stack?.stop();
  redis?.disconnect();
  await group?.destroy();
});

describe("Redis Sentinel: two failovers while jobs flow", () => {
  it("completes every job the API acknowledged with 202; the apps follow the new primary each time", async () => {
    const submissions: Submission[] = [];
    let stop = false;
    const submitter = (async () => {
      for (let i = 0; !stop; i++) {
        submissions.push(
          await submitJob(stack.apiUrl, { text: `Job number ${i} goes through a failover.`, voice: VOICE }).catch(() => ({
            status: 0,
            retryAfter: null,
            at: Date.now(),
          })),
        );
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const accepted = () => submissions.filter((s) => s.status === 202).length;
    const ports: number[] = [await group.primaryPort()];
    for (let round = 0; round < 2; round++) {
      const before = accepted();
      await until(`20 more accepted jobs before failover ${round + 1}`, async () => (accepted() >= before + 20 ? true : undefined), 120_000);
      ports.push(await group.failover());
    }
    const before = accepted();
    await until("20 more accepted jobs after the last failover", async () => (accepted() >= before + 20 ? true : undefined), 120_000);
    stop = true;
    await submitter;

    const ids = submissions.filter((s) => s.status === 202).map((s) => s.id!);
    const refused = submissions.filter((s) => s.status !== 202);
    // Refusals are 503s (Redis away or read-only for a moment), never another answer.
    for (const s of refused) expect(s.status).toBe(503);
    const counts = await waitForDrain(redis, stack.queueName, ids.length, 180_000).catch(async (err: unknown) => {
      console.log(
        JSON.stringify(await queueCounts(redis, stack.queueName)),
        stack.workers
          .map((w) =>
            w
              .output()
              .split("\n")
              .filter((l) => /warn|error|fatal/i.test(l))
              .slice(-15)
              .join("\n"),
          )
          .join("\n----\n"),
        stack.api
          .output()
          .split("\n")
          .filter((l) => /warn|error|fatal/i.test(l))
          .slice(-15)
          .join("\n"),
      );
      throw err;
    });
    const { notCompleted, audioKeys } = await auditJobs(redis, stack.queueName, ids);
    console.log(
      JSON.stringify({
        test: "sentinel-failover",
        failovers: 2,
        primaries: ports,
        accepted: ids.length,
        refused_503: refused.length,
        lost: notCompleted.length,
        failed: counts.failed,
      }),
    );
    // The primary moved there and back.
    expect(ports[1]).not.toBe(ports[0]);
    expect(ports[2]).toBe(ports[0]);
    expect(notCompleted).toEqual([]);
    expect(counts.failed).toBe(0);
    expect(audioKeys).toBe(ids.length);
    expect(stack.workers.every((w) => w.child.exitCode === null)).toBe(true);
  });
});
