import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, type AppProcess, type TestStack } from "@voxqueue/e2e";
import { bullKey, queueCounts, startFaultStack, stopFaultStack, submitJob, type RedisServer } from "../src/index.js";

// Exactly one outcome event per job across worker SIGKILLs: jobs with a webhook_url run
// on 2 workers with short locks; a worker in the middle of a job is SIGKILLed, the job
// completes on another worker, and the receiver (loopback, allowlisted) counts events.
const LOCK_DURATION_MS = 2000;
const STALLED_INTERVAL_MS = 1000;
const KILLS = 4;
const JOBS = 12;
const VOICE = "en_US-voxqueue_ref-x_low";
const TEXT = "The stalled checker brings it back. Nothing is lost when a worker dies. One event per job.";
const SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

let server: RedisServer;
let redis: Redis;
let stack: TestStack;
let receiver: Server;
let hookUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const webhookEnv = { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };
  ({ server, redis, stack } = await startFaultStack({
    workers: 2,
    apiEnv: webhookEnv,
    workerEnv: {
      ...webhookEnv,
      LOCK_DURATION_MS: String(LOCK_DURATION_MS),
      STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
      WORKER_CONCURRENCY: "1",
      WEBHOOK_BACKOFF_MS: "100",
    },
  }));
});
afterAll(async () => {
  await stopFaultStack({ server, redis, stack });
  receiver.closeAllConnections();
  receiver.close();
});

const alive = (w: AppProcess) => w.child.exitCode === null && w.child.signalCode === null;

/** The job a worker process is running now: its last `job started` not followed by an end. */
function runningJob(w: AppProcess): string | undefined {
  let current: string | undefined;
  for (const text of w.output().split("\n")) {
    if (!text.startsWith("{")) continue;
    const line = JSON.parse(text) as { msg?: string; job_id?: string };
    if (line.msg === "job started") current = line.job_id;
    else if (line.job_id === current && (line.msg === "job synthesized" || line.msg === "job failed" || line.msg === "job completed")) current = undefined;
  }
  return current;
}

describe("webhook exactly once across worker SIGKILLs", () => {
  it(`sends one event per job although ${KILLS} jobs were killed mid-synthesis and finished elsewhere`, async () => {
    const ids: string[] = [];
    const submit = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await submitJob(stack.apiUrl, { text: TEXT, voice: VOICE, webhook_url: hookUrl });
        expect(res.status).toBe(202);
        ids.push(res.id!);
      }
    };
    await submit(JOBS);
    const killed = new Set<string>();
    while (killed.size < KILLS) {
      // Keep work queued while we kill.
      if ((await queueCounts(redis, stack.queueName)).waiting < 4) await submit(4);
      const victim = await until(
        "a worker in the middle of a job not killed before",
        async () => {
          for (const w of stack.workers.filter(alive)) {
            const job = runningJob(w);
            if (job && !killed.has(job) && (await redis.lpos(bullKey(stack.queueName, "active"), job)) !== null) return { w, job };
          }
          return undefined;
        },
        60_000,
        20,
      );
      victim.w.child.kill("SIGKILL");
      killed.add(victim.job);
      await victim.w.exited;
      await stack.addWorker();
    }
    // Every job's event arrives (deliveries follow completion), then a quiet second for strays.
    await until(
      "an event for every job",
      async () => (new Set(received.map((r) => r.headers["webhook-id"])).size >= ids.length ? true : undefined),
      120_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const counts = await queueCounts(redis, stack.queueName);
    const perJob = new Map<string, number>();
    for (const r of received) {
      const id = (JSON.parse(r.body) as { data: { id: string } }).data.id;
      perJob.set(id, (perJob.get(id) ?? 0) + 1);
    }
    const killedEvents = [...killed].map((id) => perJob.get(id) ?? 0);
    console.log(
      JSON.stringify({
        test: "webhook-kill",
        jobs: ids.length,
        kills: killed.size,
        events: received.length,
        jobs_with_events: perJob.size,
        events_per_killed_job: killedEvents,
        completed: counts.completed,
      }),
    );

    expect(counts.completed).toBe(ids.length);
    expect(perJob.size).toBe(ids.length);
    expect([...perJob.values()].every((n) => n === 1)).toBe(true);
    expect(received.every((r) => r.headers["webhook-id"] === `msg_${(JSON.parse(r.body) as { data: { id: string } }).data.id}`)).toBe(true);
    for (const id of killed) expect(Number(await redis.hget(bullKey(stack.queueName, id), "ats"))).toBeGreaterThanOrEqual(2);
  });
});
