import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_QUEUE_PREFIX } from "@voxqueue/config";
import { audioKey, type JobAccepted, type JobView } from "@voxqueue/contracts";
import { decodeAudio, startStack, type TestStack } from "@voxqueue/e2e";
import { auditJobs, queueCounts, startRedisCluster, type RedisCluster } from "../src/index.js";

// The end-to-end path on a Redis Cluster of three primaries: the API and a worker reach it
// through REDIS_CLUSTER_NODES, BullMQ's keys share the {voxqueue} hash tag, and every job
// feature that writes Redis keys (API keys' rate limit and in-flight cap, idempotency,
// the audio cache, streaming, webhooks, long polls) runs without a CROSSSLOT error.
const VOICE = "en_US-voxqueue_ref-x_low";
const MULTI = "en_US-voxqueue_ref_multi-x_low";
const SECRET = `whsec_${Buffer.alloc(32, 5).toString("base64")}`;
const API_KEY = `vq_${randomUUID().replaceAll("-", "")}`;
const CACHE = { AUDIO_CACHE_MAX_BYTES: "16777216", AUDIO_CACHE_TTL_SECONDS: "600" };
const TEXTS = [
  "Hello from the cluster.",
  "It takes the form of a multi-colored circular arc. Rainbows appear opposite the Sun.",
  "Are those shy Eurasian footwear, cowboy chaps, or jolly earthmoving headgear?",
  "Test 1. Test 2.",
  "The quick brown fox jumps over the lazy dog!",
];

let cluster: RedisCluster;
let redis: Redis;
let stack: TestStack;
let keysDir: string;
let receiver: Server;
let hookUrl: string;
const received: { id: string; body: string }[] = [];
/** Every job id the API accepted, for the final audit. */
const accepted = new Set<string>();

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = cluster.client();
  keysDir = await mkdtemp(join(tmpdir(), "vq-cluster-keys-"));
  const keysFile = join(keysDir, "api-keys");
  await writeFile(keysFile, `cluster-test:${createHash("sha256").update(API_KEY).digest("hex")}\n`);
  await chmod(keysFile, 0o600);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ id: String(req.headers["webhook-id"]), body });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const shared = { ...cluster.env, ...CACHE, WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };
  // REDIS_URL names the first node (the stack flushes it; the cluster is fresh anyway).
  stack = await startStack({
    redisUrl: cluster.servers[0]!.url(),
    apiEnv: { ...shared, API_KEYS_FILE: keysFile, MAX_JOBS_IN_FLIGHT_PER_KEY: "50" },
    workerEnv: { ...shared, WORKER_CONCURRENCY: "2", WEBHOOK_BACKOFF_MS: "100" },
  });
});
afterAll(async () => {
  await stack?.stop();
  redis?.disconnect();
  await cluster?.destroy();
  receiver?.closeAllConnections();
  receiver?.close();
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${API_KEY}` };
const get = (path: string) => fetch(`${stack.apiUrl}${path}`, { headers: auth });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.apiUrl}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<JobAccepted> {
  const res = await post("/v1/jobs", body, headers);
  expect(res.status, await res.clone().text()).toBe(202);
  const answer = (await res.json()) as JobAccepted;
  accepted.add(answer.id);
  return answer;
}

/** The job once it has ended (long polls: BullMQ's queue events through the cluster). */
async function ended(id: string): Promise<JobView> {
  for (;;) {
    const res = await get(`/v1/jobs/${id}?wait=30`);
    expect(res.status, await res.clone().text()).toBe(200);
    const view = (await res.json()) as JobView;
    if (view.status === "completed" || view.status === "failed") return view;
  }
}

async function audioBytes(path: string): Promise<Uint8Array> {
  const res = await get(path);
  expect(res.status, res.ok ? "" : await res.clone().text()).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe("Redis Cluster (three primaries): the end-to-end path", () => {
  it("spreads voxqueue's keys over the nodes and keeps BullMQ's queue in one slot", async () => {
    const job = await submit({ text: "Which node holds this?", voice: VOICE });
    await ended(job.id);
    const slot = async (key: string) => (await redis.call("CLUSTER", "KEYSLOT", key)) as number;
    const queueSlots = new Set(
      await Promise.all(["wait", "active", "completed", "events", job.id].map((s) => slot(`${CLUSTER_QUEUE_PREFIX}:${stack.queueName}:${s}`))),
    );
    expect(queueSlots.size).toBe(1);
    expect(await redis.exists(`${CLUSTER_QUEUE_PREFIX}:${stack.queueName}:${job.id}`)).toBe(1);
    expect(await redis.exists(audioKey(job.id))).toBe(1);
    // Three primaries serve the slots.
    const shards = (await redis.call("CLUSTER", "SHARDS")) as unknown[];
    expect(shards).toHaveLength(3);
  });

  it("completes 20 concurrent jobs; every WAV decodes (ffmpeg) and matches its result", async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({
      text: TEXTS[i % TEXTS.length]!,
      voice: i % 4 === 3 ? MULTI : VOICE,
      ...(i % 4 === 3 ? { speaker: `speaker_${i % 4}` } : {}),
      // The cache would answer repeats: each job's audio differs by its scale.
      length_scale: 1 + i / 100,
    }));
    const jobs = await Promise.all(requests.map((r) => submit(r)));
    const views = await Promise.all(jobs.map((j) => ended(j.id)));
    for (const [i, view] of views.entries()) {
      expect(view.status, JSON.stringify(view.error)).toBe("completed");
      expect(view.result!.voice).toBe(requests[i]!.voice);
      const decoded = await decodeAudio(await audioBytes(`/v1/jobs/${view.id}/audio`));
      expect(decoded).toMatchObject({ codec: "pcm_s16le", channels: 1, sampleRate: view.result!.sample_rate });
      expect(decoded.seconds).toBeCloseTo(view.result!.audio_duration_s, 3);
      expect(decoded.seconds / requests[i]!.text.length).toBeGreaterThan(0.02);
    }
  });

  it("an Idempotency-Key makes one job, on any retry", async () => {
    const key = randomUUID();
    const body = { text: "Charged once, queued once.", voice: VOICE };
    const first = await submit(body, { "idempotency-key": key });
    const retry = await post("/v1/jobs", body, { "idempotency-key": key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(((await retry.json()) as JobAccepted).id).toBe(first.id);
    expect((await post("/v1/jobs", { ...body, text: "Another text." }, { "idempotency-key": key })).status).toBe(409);
    expect((await ended(first.id)).status).toBe("completed");
  });

  it("streams a job's audio while it runs, and answers a repeat from the audio cache", async () => {
    const text = "The first sentence streams at once. The second follows it. A third one ends the job.";
    const job = await submit({ text, voice: VOICE });
    const streamed = await audioBytes(`/v1/jobs/${job.id}/audio/stream?format=pcm`);
    const view = await ended(job.id);
    expect(view.status).toBe("completed");
    const pcm = await decodeAudio(streamed, view.result!.sample_rate);
    expect(pcm.seconds).toBeGreaterThan(view.result!.audio_duration_s * 0.9);

    // The cache's script keeps its keys in the {audio-cache} slot; the job's keys are elsewhere.
    const again = await submit({ text, voice: VOICE });
    expect(again.status).toBe("completed");
    expect(((await (await get(`/v1/jobs/${again.id}`)).json()) as JobView).result?.cached).toBe(true);
    expect(Buffer.from(await audioBytes(`/v1/jobs/${again.id}/audio`)).equals(Buffer.from(await audioBytes(`/v1/jobs/${job.id}/audio`)))).toBe(true);
  });

  it("sends one signed webhook per job (a BullMQ flow across two queues of the same slot)", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 3 }, (_, i) => submit({ text: `Webhook number ${i} arrives once.`, voice: VOICE, webhook_url: hookUrl })),
    );
    for (const job of jobs) expect((await ended(job.id)).status).toBe("completed");
    const delivered = async (id: string) => {
      for (;;) {
        const view = (await (await get(`/v1/jobs/${id}`)).json()) as JobView;
        if (view.webhook?.state === "delivered") return view;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await Promise.all(jobs.map((j) => delivered(j.id)));
    const events = received.map((r) => JSON.parse(r.body) as { type: string; data: { id: string } });
    expect(events.map((e) => e.data.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(events.every((e) => e.type === "job.completed")).toBe(true);
  });

  it("loses no accepted job: each completed with its audio", async () => {
    const ids = [...accepted];
    const counts = await queueCounts(redis, stack.queueName, CLUSTER_QUEUE_PREFIX);
    // Jobs answered from the cache have no BullMQ job; the rest completed there.
    const { notCompleted, audioKeys } = await auditJobs(redis, stack.queueName, ids, CLUSTER_QUEUE_PREFIX);
    const fromCache = (
      await Promise.all(notCompleted.map(async (id) => ((await (await get(`/v1/jobs/${id}`)).json()) as JobView).result?.cached === true))
    ).filter(Boolean).length;
    const lost = notCompleted.length - fromCache;
    console.log(
      JSON.stringify({
        test: "redis-cluster",
        primaries: 3,
        accepted: ids.length,
        completed: counts.completed,
        from_cache: fromCache,
        lost,
        failed: counts.failed,
      }),
    );
    expect(lost).toBe(0);
    expect(counts.failed).toBe(0);
    expect(audioKeys).toBe(ids.length);
    // Nothing met a key in another slot, not even a background write (heartbeats, catalog, cache).
    for (const app of [stack.api, ...stack.workers]) expect(app.output()).not.toMatch(/CROSSSLOT|non local key|same slots allocation group|different slots/i);
  });
});
