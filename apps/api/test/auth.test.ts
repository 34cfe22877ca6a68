import { appendFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueEvents, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeysFileError, formatApiKeyLine, hashApiKey, type ErrorBody, type JobAccepted, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { createLogger } from "@voxqueue/telemetry";
import { KeyStore } from "../src/security/key-store.js";
import { loadKeys } from "../src/security/load-keys.js";
import { LogCapture, MULTI, REDIS_URL, createHarness, fakeWav, parseMetrics, sampleValue, type Harness } from "./helpers.js";

const KEY_A = "vq_alice-0123456789abcdefghijklmnopqrstuvwxyzABCD";
const KEY_B = "vq_bob-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
const keys = new KeyStore([
  { name: "alice", sha256: hashApiKey(KEY_A) },
  { name: "bob", sha256: hashApiKey(KEY_B) },
]);
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

// Redis db 12 is this file's alone.
let h: Harness;
let worker: Worker<SynthJobData, SynthJobResult>;
let workerRedis: Redis;
let events: QueueEvents;
const WAV = fakeWav(32, MULTI.sample_rate);

beforeAll(async () => {
  h = await createHarness({ db: 12, keys });
  await h.fleet.heartbeat("auth-test-worker");
  workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  // A stand-in worker: stores a WAV and returns a result, as the real one does.
  const processor = async (job: Job<SynthJobData, SynthJobResult>): Promise<SynthJobResult> => {
    const key = await h.audioStore.put(job.id as string, WAV);
    return {
      audio_key: key,
      audio_bytes: WAV.length,
      audio_duration_s: 0.5,
      synthesis_s: 0.1,
      rtf: 0.2,
      sample_rate: MULTI.sample_rate,
      voice: job.data.voice,
      speaker: job.data.speaker,
      sentences: 1,
    };
  };
  events = new QueueEvents(h.queue.name, { connection: { url: REDIS_URL, db: h.db } });
  await events.waitUntilReady();
  worker = new Worker<SynthJobData, SynthJobResult>(h.queue.name, processor, { connection: workerRedis });
  await worker.waitUntilReady();
});
afterAll(async () => {
  await events.close();
  await worker.close();
  await workerRedis.quit();
  await h.close();
});

async function refusedUnauthorized(): Promise<number> {
  const res = await request(h.app).get("/metrics");
  return sampleValue(parseMetrics(res.text), "tts_requests_refused_total", { reason: "unauthorized" }) ?? Number.NaN;
}

describe("with API keys configured", () => {
  it("leaves /healthz, /readyz and /metrics open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await request(h.app).get(path)).status, path).toBe(200);
  });

  it.each([
    ["POST /v1/jobs", () => request(h.app).post("/v1/jobs").send({ text: "Hello." })],
    ["GET /v1/voices", () => request(h.app).get("/v1/voices")],
    ["GET /v1/jobs/:id", () => request(h.app).get("/v1/jobs/00000000-0000-4000-8000-000000000000")],
    ["an unknown /v1 route", () => request(h.app).get("/v1/nothing-here")],
  ])("%s without a key: 401 with WWW-Authenticate: Bearer, counted, nothing queued", async (_name, send) => {
    const before = await refusedUnauthorized();
    const queued = await h.queue.count();
    const res = await send();
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="voxqueue"');
    expect((res.body as ErrorBody).error).toMatchObject({ type: "unauthorized", field: "Authorization" });
    expect(await refusedUnauthorized()).toBe(before + 1);
    expect(await h.queue.count()).toBe(queued);
  });

  it("refuses an unknown key with 401 and error=invalid_token, without repeating it", async () => {
    const unknown = "vq_nobody-0123456789abcdefghijklmnopqrstuvwxyz";
    const res = await request(h.app).post("/v1/jobs").set(bearer(unknown)).send({ text: "Hello." });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="voxqueue", error="invalid_token"');
    expect(res.text).not.toContain(unknown);
    expect(JSON.stringify(h.logs.lines)).not.toContain(unknown);
  });

  it("accepts a known key in any case of the scheme", async () => {
    const res = await request(h.app).get("/v1/voices").set("Authorization", `bearer ${KEY_A}`);
    expect(res.status).toBe(200);
  });

  it("shows a job and its audio only to the key that submitted it; another key gets the 404 of a job that does not exist", async () => {
    const submitted = await request(h.app).post("/v1/jobs").set(bearer(KEY_A)).send({ text: "Only for alice." });
    expect(submitted.status).toBe(202);
    const { id } = submitted.body as JobAccepted;
    expect((await h.queue.getJob(id))?.data.owner).toBe("alice");
    await (await h.queue.getJob(id))!.waitUntilFinished(events, 20_000);

    const mine = await request(h.app).get(`/v1/jobs/${id}`).set(bearer(KEY_A));
    expect(mine.status).toBe(200);
    const theirs = await request(h.app).get(`/v1/jobs/${id}`).set(bearer(KEY_B));
    const missing = await request(h.app).get("/v1/jobs/00000000-0000-4000-8000-000000000000").set(bearer(KEY_B));
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((theirs.body as ErrorBody).error.type).toBe((missing.body as ErrorBody).error.type);
    expect(Object.keys(theirs.headers).sort()).toEqual(Object.keys(missing.headers).sort());

    const myAudio = await request(h.app).get(`/v1/jobs/${id}/audio`).set(bearer(KEY_A));
    expect(myAudio.status).toBe(200);
    const theirAudio = await request(h.app).get(`/v1/jobs/${id}/audio`).set(bearer(KEY_B));
    expect(theirAudio.status).toBe(404);
    expect((theirAudio.body as ErrorBody).error.type).toBe("not_found");
  });

  it("logs the key's name on the request line, never the key", async () => {
    const res = await request(h.app).get("/v1/voices").set(bearer(KEY_B));
    expect(res.status).toBe(200);
    const line = h.logs.lines.findLast((l) => l.msg === "request" && l.route === "/v1/voices");
    expect(line).toMatchObject({ api_key: "bob", status: 200 });
    const all = JSON.stringify(h.logs.lines);
    expect(all).not.toContain(KEY_A);
    expect(all).not.toContain(KEY_B);
  });
});

describe("KeyStore", () => {
  it("names the key whose hash matches, and nothing else", () => {
    expect(keys.identify(KEY_A)).toBe("alice");
    expect(keys.identify(KEY_B)).toBe("bob");
    expect(keys.identify(`${KEY_A}x`)).toBeNull();
    expect(keys.identify("")).toBeNull();
  });

  it("refuses a file that cannot be read or parsed, naming the line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-keys-"));
    expect(() => KeyStore.fromFile(join(dir, "missing"))).toThrow(ApiKeysFileError);
    const bad = join(dir, "bad");
    await writeFile(bad, `# comment\n${formatApiKeyLine({ name: "a", sha256: hashApiKey("x") })}\nb:not-a-hash\n`);
    expect(() => KeyStore.fromFile(bad)).toThrow(/line 3 \(b\): the hash must be 64 hex digits/);
    const twice = join(dir, "twice");
    await writeFile(twice, `a:${hashApiKey("x")}\na:${hashApiKey("y")}\n`);
    expect(() => KeyStore.fromFile(twice)).toThrow(/line 2: the name a appears twice/);
  });

  it("picks up a key appended to the watched file without a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-keys-"));
    const file = join(dir, "keys");
    await writeFile(file, `${formatApiKeyLine({ name: "first", sha256: hashApiKey("key-1") })}\n`);
    const logs = new LogCapture();
    const store = loadKeys({ API_KEYS_FILE: file }, createLogger("test", "info", logs));
    try {
      expect(store?.identify("key-2")).toBeNull();
      const reloaded = new Promise<void>((resolve) => logs.on("line", (l: Record<string, unknown>) => l.msg === "API keys reloaded" && resolve()));
      await appendFile(file, `${formatApiKeyLine({ name: "second", sha256: hashApiKey("key-2") })}\n`);
      await reloaded;
      expect(store?.identify("key-2")).toBe("second");
    } finally {
      store?.close();
    }
  }, 20_000);

  it("runs open without API_KEYS_FILE, and says so", () => {
    const logs = new LogCapture();
    expect(loadKeys({}, createLogger("test", "info", logs))).toBeUndefined();
    expect(logs.lines).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringMatching(/API_KEYS_FILE is not set: the API runs open/) })]);
  });
});
