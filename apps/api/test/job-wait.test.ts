import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody, JobAccepted, JobView, SynthJobData, SynthJobResult } from "@voxqueue/contracts";
import { createApp } from "../src/app.js";
import { JobEventHub } from "../src/job-events.js";
import { MULTI, REDIS_URL, createHarness, type Harness } from "./helpers.js";

// Redis db 12 is this file's alone.
let h: Harness;
let hub: JobEventHub;
let app: ReturnType<typeof createApp>;
let worker: Worker<SynthJobData, SynthJobResult>;
let workerRedis: Redis;

/** Jobs whose text is "hold" stay active until released; "fail" fails at once. */
const held = new Map<string, () => void>();
const active = new Map<string, () => void>();
const activeSeen = new Set<string>();

function untilActive(id: string): Promise<void> {
  if (activeSeen.has(id)) return Promise.resolve();
  return new Promise((resolve) => active.set(id, resolve));
}

/** Resolves once `n` requests wait on the hub (the long poll or stream has subscribed). */
async function untilWaiting(n: number): Promise<void> {
  for (let i = 0; i < 400 && hub.waiting < n; i++) await new Promise((r) => setTimeout(r, 25));
  expect(hub.waiting).toBe(n);
}

async function processor(job: Job<SynthJobData, SynthJobResult>): Promise<SynthJobResult> {
  const id = job.id as string;
  if (job.data.text === "hold") await new Promise<void>((resolve) => held.set(id, resolve));
  if (job.data.text === "fail") throw new Error("timeout: synthesis ran past 300 s");
  return {
    audio_key: `k:${id}`,
    audio_bytes: 48,
    audio_duration_s: 0.5,
    synthesis_s: 0.1,
    rtf: 0.2,
    sample_rate: MULTI.sample_rate,
    voice: job.data.voice,
    speaker: job.data.speaker,
    sentences: 1,
  };
}

async function submit(text: string): Promise<string> {
  const res = await request(app).post("/v1/jobs").send({ text });
  expect(res.status).toBe(202);
  return (res.body as JobAccepted).id;
}

beforeAll(async () => {
  h = await createHarness({ db: 12, env: { JOB_ATTEMPTS: "1" } });
  hub = new JobEventHub(h.queue, h.redis);
  app = createApp({ ...h.deps, jobEvents: hub });
  workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  worker = new Worker<SynthJobData, SynthJobResult>(h.queue.name, processor, { connection: workerRedis, concurrency: 8 });
  worker.on("active", (job) => {
    activeSeen.add(job.id!);
    active.get(job.id!)?.();
  });
  await worker.waitUntilReady();
});

afterAll(async () => {
  for (const release of held.values()) release();
  await worker.close();
  await workerRedis.quit();
  await hub.close();
  await h.close();
});

describe("GET /v1/jobs/:id?wait=SECONDS (long poll)", () => {
  it("answers as soon as an active job completes, with its result", async () => {
    const id = await submit("hold");
    await untilActive(id);
    const answer = request(app)
      .get(`/v1/jobs/${id}?wait=30`)
      .then((r) => r);
    await untilWaiting(1);
    held.get(id)!();
    const res = await answer;
    expect(res.status).toBe(200);
    const view = res.body as JobView;
    expect(view.status).toBe("completed");
    expect(view.result?.audio_duration_s).toBe(0.5);
    expect(hub.waiting).toBe(0);
  });

  it("answers a failed job with its error", async () => {
    const id = await submit("fail");
    const res = await request(app).get(`/v1/jobs/${id}?wait=30`);
    expect(res.status).toBe(200);
    expect((res.body as JobView).status).toBe("failed");
    expect((res.body as JobView).error?.type).toBe("timeout");
  });

  it("answers with the job as it is when the wait runs out", async () => {
    const id = await submit("hold");
    await untilActive(id);
    const res = await request(app).get(`/v1/jobs/${id}?wait=0.3`);
    expect(res.status).toBe(200);
    expect((res.body as JobView).status).toBe("active");
    expect(hub.waiting).toBe(0);
    held.get(id)!();
  });

  it("answers a finished job at once, and wait=0 like no wait", async () => {
    const id = await submit("quick");
    expect(((await request(app).get(`/v1/jobs/${id}?wait=30`)).body as JobView).status).toBe("completed");
    expect(((await request(app).get(`/v1/jobs/${id}?wait=0`)).body as JobView).status).toBe("completed");
  });

  it.each(["abc", "-1", "61", "", "1e9", "NaN"])("rejects wait=%s with a 400 naming wait", async (wait) => {
    const id = await submit("quick");
    const res = await request(app).get(`/v1/jobs/${id}?wait=${wait}`);
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "wait" });
  });

  it("answers 404 for an unknown job without waiting", async () => {
    const res = await request(app).get(`/v1/jobs/${crypto.randomUUID()}?wait=30`);
    expect(res.status).toBe(404);
    expect(hub.waiting).toBe(0);
  });
});

/** Reads a server-sent event stream until it ends; the `status` events' views. */
async function readEvents(url: string, onEvent?: (view: JobView) => void): Promise<{ status: number; type: string | null; views: JobView[] }> {
  const res = await fetch(url, { headers: { accept: "text/event-stream" } });
  const views: JobView[] = [];
  if (!res.ok || !res.body) return { status: res.status, type: res.headers.get("content-type"), views };
  let buffer = "";
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split("\n")
          .filter((l) => !l.startsWith(":"))
          .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
      );
      if (fields.event === "status") {
        const view = JSON.parse(fields.data!) as JobView;
        views.push(view);
        onEvent?.(view);
      }
    }
  }
  return { status: res.status, type: res.headers.get("content-type"), views };
}

describe("GET /v1/jobs/:id/events (server-sent events)", () => {
  let base: string;
  let server: import("node:http").Server;
  beforeAll(async () => {
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("streams the job's status changes and ends once it has completed", async () => {
    const id = await submit("hold");
    await untilActive(id);
    const stream = readEvents(`${base}/v1/jobs/${id}/events`, (view) => {
      if (view.status === "active") held.get(id)!();
    });
    const { status, type, views } = await stream;
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(views.map((v) => v.status)).toEqual(["active", "completed"]);
    expect(views[1]!.result?.audio_url).toBe(`/v1/jobs/${id}/audio`);
    expect(hub.waiting).toBe(0);
  });

  it("sends one event and ends for a job that has already finished", async () => {
    const id = await submit("fail");
    await request(app).get(`/v1/jobs/${id}?wait=30`);
    const { views } = await readEvents(`${base}/v1/jobs/${id}/events`);
    expect(views.map((v) => v.status)).toEqual(["failed"]);
  });

  it("answers 404 JSON for an unknown job", async () => {
    const res = await request(app).get(`/v1/jobs/${crypto.randomUUID()}/events`);
    expect(res.status).toBe(404);
    expect((res.body as ErrorBody).error.type).toBe("not_found");
  });

  it("serves many waiting clients from one Redis subscriber per process", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => submit("hold")));
    await Promise.all(ids.map(untilActive));
    const streams = ids.slice(0, 3).map((id) => readEvents(`${base}/v1/jobs/${id}/events`));
    const polls = ids.slice(3).map((id) =>
      request(app)
        .get(`/v1/jobs/${id}?wait=30`)
        .then((r) => r),
    );
    await untilWaiting(6);
    const clients = (await h.redis.client("LIST")) as string;
    const subscribers = clients.split("\n").filter((l) => / db=12 /.test(l) && /name=\S*:qe /.test(l));
    expect(subscribers).toHaveLength(1);
    for (const id of ids) held.get(id)!();
    for (const s of await Promise.all(streams)) expect(s.views.at(-1)!.status).toBe("completed");
    for (const p of await Promise.all(polls)) expect((p.body as JobView).status).toBe("completed");
  });
});
