import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, type ErrorBody, type JobAccepted, type JobList, type StatsView, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { ADMIN_QUEUES_CSP } from "../src/routes/admin-queues.js";
import { CONSOLE_CSP } from "../src/routes/console.js";
import { ADMIN_REALM, presentedKey } from "../src/security/admin-auth.js";
import { KeyStore } from "../src/security/key-store.js";
import { nearestRank } from "../src/stats.js";
import { MULTI, REDIS_URL, SINGLE, createHarness, fakeWav, type Harness } from "./helpers.js";

// Redis db 1 is this file's alone (the catalog key is fixed).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 1 });
});
afterAll(async () => {
  await h?.close();
});

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await request(h.app).post("/v1/jobs").send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body as JobAccepted).id;
}

/** Runs `count` queued jobs with a stand-in worker: each "completes" with `result`'s figures. */
async function completeQueued(count: number, result: (job: Job<SynthJobData>) => SynthJobResult): Promise<void> {
  const connection = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  const worker = new Worker<SynthJobData, SynthJobResult>(
    h.queue.name,
    async (job) => {
      await h.audioStore.put(job.id as string, fakeWav(32, MULTI.sample_rate));
      return result(job);
    },
    { connection, autorun: false },
  );
  let completed = 0;
  const done = new Promise<void>((resolve) => worker.on("completed", () => ++completed === count && resolve()));
  void worker.run();
  await done;
  await worker.close();
  await connection.quit();
}

describe("the console page", () => {
  it("serves the page at / with a same-origin-only CSP", async () => {
    const res = await request(h.app).get("/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("media-src 'self' blob:");
    expect(res.text).toContain("The reference voices are not speech.");
  });

  it("serves every file the page links, and nothing from another origin", async () => {
    const html = (await request(h.app).get("/")).text;
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] as string);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    const assets = refs.filter((r) => r.startsWith("console/"));
    expect(assets.sort()).toEqual(["console/console.css", "console/main.js"]);
    for (const asset of assets) {
      const res = await request(h.app).get(`/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers["content-type"]).toMatch(asset.endsWith(".js") ? /javascript/ : /text\/css/);
    }
    // The modules main.js imports are there too.
    const main = (await request(h.app).get("/console/main.js")).text;
    for (const [, file] of main.matchAll(/from "\.\/([\w-]+\.js)"/g)) expect((await request(h.app).get(`/console/${file}`)).status, file).toBe(200);
  });

  it("answers an unknown console file with the API's 404 JSON, and a POST to / with 405", async () => {
    const missing = await request(h.app).get("/console/nope.js");
    expect(missing.status).toBe(404);
    expect((missing.body as ErrorBody).error.type).toBe("not_found");
    const post = await request(h.app).post("/").send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET");
  });
});

describe("GET /v1/jobs and GET /v1/stats", () => {
  it("lists the newest jobs first, with voice, speaker and a text preview; limit bounds it", async () => {
    expect((await request(h.app).get("/v1/jobs")).body).toEqual({ jobs: [] });
    const first = await submit({ text: "First job.", voice: SINGLE.id });
    const second = await submit({ text: "Second job, said by bob.", voice: MULTI.id, speaker: "bob" });
    const third = await submit({ text: `Third. ${"long ".repeat(25)}`, voice: SINGLE.id, priority: 5 });
    const list = (await request(h.app).get("/v1/jobs")).body as JobList;
    expect(list.jobs.map((j) => j.id)).toEqual([third, second, first]);
    expect(list.jobs[1]).toMatchObject({ id: second, status: "queued", voice: MULTI.id, speaker: "bob", text_preview: "Second job, said by bob." });
    expect(list.jobs[0]!.text_preview).toMatch(/^Third\. long .{60,}…$/u);
    expect(Array.from(list.jobs[0]!.text_preview)).toHaveLength(81);
    const two = (await request(h.app).get("/v1/jobs?limit=2")).body as JobList;
    expect(two.jobs.map((j) => j.id)).toEqual([third, second]);
  });

  it("rejects a bad limit with a 400 naming limit", async () => {
    for (const limit of ["0", "101", "abc", "1.5", "-1", ""]) {
      const res = await request(h.app).get(`/v1/jobs?limit=${limit}`);
      if (limit === "") {
        expect(res.status).toBe(200); // empty = unset, the default
        continue;
      }
      expect(res.status, limit).toBe(400);
      expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "limit" });
    }
    expect((await request(h.app).get("/v1/jobs?limit=1&limit=2")).status).toBe(400);
  });

  it("reports the backlog from Redis, then the RTF and latency of finished jobs", async () => {
    const before = (await request(h.app).get("/v1/stats")).body as StatsView;
    expect(before.queue).toBe(h.queue.name);
    expect(before.queue_length).toBe(3);
    expect(before.jobs.waiting + before.jobs.prioritized).toBe(3);
    expect(before.recent).toMatchObject({ completed: 0, failed: 0, rtf: null, rtf_p95: null, latency_p95_seconds: null });

    // RTFs 0.1, 0.2, 0.3 (audio 10 s each): Σ synthesis / Σ audio = 0.2, p95 by nearest rank = 0.3.
    let n = 0;
    await completeQueued(3, (job) => {
      n += 1;
      const id = job.id as string;
      return {
        audio_key: id,
        audio_bytes: 108,
        audio_duration_s: 10,
        synthesis_s: n,
        rtf: n / 10,
        sample_rate: MULTI.sample_rate,
        voice: job.data.voice,
        speaker: job.data.speaker,
        sentences: 1,
      };
    });
    // Past the one-second cache of the last reading.
    await new Promise((r) => setTimeout(r, 1100));
    const after = (await request(h.app).get("/v1/stats")).body as StatsView;
    expect(after.queue_length).toBe(0);
    expect(after.jobs.completed).toBe(3);
    expect(after.recent.completed).toBe(3);
    expect(after.recent.rtf).toBeCloseTo(0.2, 9);
    expect(after.recent.rtf_p95).toBeCloseTo(0.3, 9);
    expect(after.recent.latency_p95_seconds).toBeGreaterThan(0);
    expect(after.recent.latency_p50_seconds!).toBeLessThanOrEqual(after.recent.latency_p95_seconds!);

    const list = (await request(h.app).get("/v1/jobs")).body as JobList;
    expect(list.jobs.map((j) => j.status)).toEqual(["completed", "completed", "completed"]);
    expect(list.jobs.every((j) => j.result?.audio_duration_s === 10)).toBe(true);
  });

  it("takes percentiles by nearest rank", () => {
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(nearestRank(oneToTwenty, 0.95)).toBe(19);
    expect(nearestRank(oneToTwenty, 0.5)).toBe(10);
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});

describe("the queue inspector at /admin/queues", () => {
  it("shows the queue, read-only by default: every change answers 405 and the queue is untouched", async () => {
    const page = await request(h.app).get("/admin/queues");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toBe(ADMIN_QUEUES_CSP);
    expect(page.text).toContain("static/js/main"); // bull-board's own build, served from here
    const queues = await request(h.app).get("/admin/queues/api/queues");
    expect(queues.status).toBe(200);
    const listed = (queues.body as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    expect(listed.map((q) => [q.name, q.readOnlyMode])).toEqual([
      [h.queue.name, true],
      [`${h.queue.name}-batch`, true],
    ]); // each priority lane's queue
    for (const [method, path] of [
      ["put", `/admin/queues/api/queues/${h.queue.name}/pause`],
      ["put", "/admin/queues/api/queues/pause"],
      ["put", `/admin/queues/api/queues/${h.queue.name}/clean/completed`],
      ["post", `/admin/queues/api/queues/${h.queue.name}/add`],
    ] as const) {
      const res = await request(h.app)[method](path).send({});
      expect(res.status, path).toBe(405);
      expect((res.body as ErrorBody).error.message).toMatch(/ADMIN_QUEUES=actions/);
    }
    expect(await h.queue.isPaused()).toBe(false);
    expect((await h.queue.getJobCounts("completed")).completed).toBe(3);
  });

  it("allows actions with ADMIN_QUEUES=actions, and is not served with ADMIN_QUEUES=off", async () => {
    const actions = await createHarness({ db: 1, env: { ADMIN_QUEUES: "actions" } });
    try {
      const res = await request(actions.app).put(`/admin/queues/api/queues/${actions.queue.name}/pause`).send({});
      expect(res.status).toBeLessThan(300);
      expect(await actions.queue.isPaused()).toBe(true);
    } finally {
      await actions.close();
    }
    const off = await createHarness({ db: 1, env: { ADMIN_QUEUES: "off" } });
    try {
      expect((await request(off.app).get("/admin/queues")).status).toBe(404);
      expect((await request(off.app).get("/admin/queues/api/queues")).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe("with API keys configured", () => {
  const KEY_ALICE = "vq_alice-0123456789abcdefghijklmnopqrstuvwxyzABCD";
  const KEY_ADMIN = "vq_admin-0123456789abcdefghijklmnopqrstuvwxyzABCD";
  const keys = new KeyStore([
    { name: "alice", sha256: hashApiKey(KEY_ALICE) },
    { name: "admin", sha256: hashApiKey(KEY_ADMIN) },
  ]);
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const basic = (user: string, key: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${key}`).toString("base64")}` });

  it("lists only the caller's own jobs; the page stays open, the stats need a key", async () => {
    const k = await createHarness({ db: 1, keys });
    try {
      const post = (key: string, text: string) => request(k.app).post("/v1/jobs").set(bearer(key)).send({ text, voice: SINGLE.id });
      const mine = ((await post(KEY_ALICE, "Alice's job.")).body as JobAccepted).id;
      const theirs = ((await post(KEY_ADMIN, "The admin's job.")).body as JobAccepted).id;
      const alice = (await request(k.app).get("/v1/jobs").set(bearer(KEY_ALICE))).body as JobList;
      expect(alice.jobs.map((j) => j.id)).toEqual([mine]);
      const admin = (await request(k.app).get("/v1/jobs").set(bearer(KEY_ADMIN))).body as JobList;
      expect(admin.jobs.map((j) => j.id)).toEqual([theirs]);
      expect((await request(k.app).get("/v1/jobs")).status).toBe(401);
      expect((await request(k.app).get("/v1/stats")).status).toBe(401);
      expect((await request(k.app).get("/v1/stats").set(bearer(KEY_ALICE))).status).toBe(200);
      expect((await request(k.app).get("/")).status).toBe(200);
      expect((await request(k.app).get("/console/main.js")).status).toBe(200);
    } finally {
      await k.close();
    }
  });

  it("lets only ADMIN_KEY_NAMES keys open the inspector, by Basic auth (the key as password) or Bearer", async () => {
    const k = await createHarness({ db: 1, keys });
    try {
      const none = await request(k.app).get("/admin/queues");
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toBe(`Basic realm="${ADMIN_REALM}", charset="UTF-8"`);
      expect((none.body as ErrorBody).error).toMatchObject({ type: "unauthorized", field: "Authorization" });
      expect((await request(k.app).get("/admin/queues/api/queues").set(basic("x", "vq_wrong"))).status).toBe(401);
      const alice = await request(k.app).get("/admin/queues/api/queues").set(basic("alice", KEY_ALICE));
      expect(alice.status).toBe(401);
      expect((alice.body as ErrorBody).error.message).toMatch(/alice may not open the queue inspector/);
      expect((await request(k.app).get("/admin/queues").set(basic("anyone", KEY_ADMIN))).status).toBe(200);
      const api = await request(k.app).get("/admin/queues/api/queues").set(bearer(KEY_ADMIN));
      expect(api.status).toBe(200);
      expect((api.body as { queues: { name: string }[] }).queues.map((q) => q.name)).toEqual([k.queue.name, `${k.queue.name}-batch`]);
      // Still read-only for the admin.
      expect((await request(k.app).put(`/admin/queues/api/queues/${k.queue.name}/pause`).set(bearer(KEY_ADMIN))).status).toBe(405);
    } finally {
      await k.close();
    }
    const other = await createHarness({ db: 1, keys, env: { ADMIN_KEY_NAMES: "alice, ops" } });
    try {
      expect((await request(other.app).get("/admin/queues").set(basic("", KEY_ALICE))).status).toBe(200);
      expect((await request(other.app).get("/admin/queues").set(basic("", KEY_ADMIN))).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("reads the key from Bearer or from Basic's password, nothing else", () => {
    expect(presentedKey("Bearer vq_abc")).toBe("vq_abc");
    expect(presentedKey(`Basic ${Buffer.from("user:vq_abc").toString("base64")}`)).toBe("vq_abc");
    expect(presentedKey(`Basic ${Buffer.from(":vq_abc").toString("base64")}`)).toBe("vq_abc");
    expect(presentedKey(`Basic ${Buffer.from("user:").toString("base64")}`)).toBeNull();
    expect(presentedKey(`Basic ${Buffer.from("nocolon").toString("base64")}`)).toBeNull();
    expect(presentedKey("Digest abc")).toBeNull();
    expect(presentedKey(undefined)).toBeNull();
    expect(presentedKey(`Bearer ${"a".repeat(2000)}`)).toBeNull();
  });
});
