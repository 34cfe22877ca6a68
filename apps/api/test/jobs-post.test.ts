import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYNTH_JOB_NAME, audioCacheKey, workerVoicesKey, type ErrorBody, type JobAccepted } from "@voxqueue/contracts";
import { createApp } from "../src/app.js";
import { MULTI, SINGLE, createHarness, type Harness } from "./helpers.js";

// Redis db 3 is this file's alone (the catalog key is fixed).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 3 });
});
afterAll(async () => {
  await h.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function post(body: unknown) {
  return request(h.app)
    .post("/v1/jobs")
    .send(body as object);
}

describe("POST /v1/jobs: accepted", () => {
  it("answers 202 with Location and enqueues one job with the resolved data and options", async () => {
    const before = await h.queue.count();
    const res = await post({ text: "  Hello world.  " });
    expect(res.status).toBe(202);
    const body = res.body as JobAccepted;
    expect(body.id).toMatch(UUID);
    expect(body).toEqual({ id: body.id, status: "queued", links: { self: `/v1/jobs/${body.id}`, audio: `/v1/jobs/${body.id}/audio` } });
    expect(res.headers.location).toBe(`/v1/jobs/${body.id}`);
    expect(await h.queue.count()).toBe(before + 1);

    const job = await h.queue.getJob(body.id);
    expect(job?.name).toBe(SYNTH_JOB_NAME);
    // MULTI sorts first by id, so it is the default voice; scales from its defaults.
    expect(job?.data).toEqual({
      text: "Hello world.",
      voice: MULTI.id,
      speaker: null,
      speaker_id: null,
      length_scale: 1.1,
      noise_scale: 0.5,
      noise_w: 0.6,
      trace: {},
      text_normalization: "standard",
      submitted_at: expect.any(Number),
      // The audio cache entry the worker fills: a hash of what determines the audio.
      cache_key: audioCacheKey({
        text: "Hello world.",
        text_normalization: "standard",
        voice: MULTI.id,
        speaker: null,
        speaker_id: null,
        length_scale: 1.1,
        noise_scale: 0.5,
        noise_w: 0.6,
      }),
    });
    expect(job?.opts).toMatchObject({
      jobId: body.id,
      attempts: 2,
      backoff: { type: "exponential", delay: 60000 },
      removeOnComplete: { age: 600 },
      removeOnFail: { age: 600 },
    });
    expect(job?.opts.priority).toBeUndefined();
  });

  it("carries text_normalization into the job's data, and refuses an unknown mode naming it", async () => {
    const res = await post({ text: "Test 1.", text_normalization: "piper" });
    expect(res.status).toBe(202);
    expect((await h.queue.getJob((res.body as JobAccepted).id))?.data.text_normalization).toBe("piper");
    const bad = await post({ text: "Test 1.", text_normalization: "fancy" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { type: "invalid_input", field: "text_normalization" } });
  });

  it("accepts SSML (a leading <speak> or text_type ssml) and refuses malformed SSML naming text with line and column, queueing nothing", async () => {
    const ok = await post({ text: '<speak>Hello <break time="1s"/> world</speak>' });
    expect(ok.status).toBe(202);
    const typed = await post({ text: "Hello <break/> world", text_type: "ssml" });
    expect(typed.status).toBe(400);
    expect(typed.body).toMatchObject({ error: { type: "invalid_input", field: "text" } });
    const before = await h.queue.count();
    const bad = await post({ text: '<speak>\nHello <break time="1s"> world</speak>' });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "text" });
    expect((bad.body as ErrorBody).error.message).toMatch(/^SSML is malformed at line 2, column \d+: /u);
    expect(await h.queue.count()).toBe(before);
    const plain = await post({ text: "<speak>not ssml</speak>", text_type: "text" });
    expect(plain.status).toBe(202);
    expect((await h.queue.getJob((plain.body as JobAccepted).id))?.data.text_type).toBe("text");
  });

  it("gives every job a fresh unguessable id", async () => {
    const a = await post({ text: "one" });
    const b = await post({ text: "two" });
    expect((a.body as JobAccepted).id).not.toBe((b.body as JobAccepted).id);
  });

  it("uses the request's voice, scales and priority", async () => {
    const res = await post({ text: "Hi", voice: SINGLE.id, length_scale: 0.1, noise_scale: 2, noise_w: 0, priority: 7 });
    expect(res.status).toBe(202);
    const job = await h.queue.getJob((res.body as JobAccepted).id);
    expect(job?.data).toMatchObject({ voice: SINGLE.id, speaker: null, speaker_id: null, length_scale: 0.1, noise_scale: 2, noise_w: 0 });
    expect(job?.opts.priority).toBe(7);
    expect(await job?.getState()).toBe("prioritized");
  });

  it("passes a speaker name on for the worker to map, and an integer id as speaker_id", async () => {
    const byName = await post({ text: "Hi", voice: MULTI.id, speaker: "bob" });
    expect(byName.status).toBe(202);
    expect((await h.queue.getJob((byName.body as JobAccepted).id))?.data).toMatchObject({ speaker: "bob", speaker_id: null });
    const byId = await post({ text: "Hi", voice: MULTI.id, speaker: 2 });
    expect(byId.status).toBe(202);
    expect((await h.queue.getJob((byId.body as JobAccepted).id))?.data).toMatchObject({ speaker: "2", speaker_id: 2 });
  });

  it('takes "speaker": null as no speaker, as job views print it', async () => {
    for (const voice of [MULTI.id, SINGLE.id]) {
      const res = await post({ text: "Hi", voice, speaker: null });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect((await h.queue.getJob((res.body as JobAccepted).id))?.data).toMatchObject({ voice, speaker: null, speaker_id: null });
    }
  });

  it("uses DEFAULT_VOICE when set, and answers 503 when that voice is not installed", async () => {
    const withDefault = createApp({ ...h.deps, config: { ...h.deps.config, DEFAULT_VOICE: SINGLE.id } });
    const res = await request(withDefault).post("/v1/jobs").send({ text: "Hi" });
    expect(res.status).toBe(202);
    expect((await h.queue.getJob((res.body as JobAccepted).id))?.data.voice).toBe(SINGLE.id);

    const missing = createApp({ ...h.deps, config: { ...h.deps.config, DEFAULT_VOICE: "xx_XX-gone-low" } });
    const before = await h.queue.count();
    const gone = await request(missing).post("/v1/jobs").send({ text: "Hi" });
    expect(gone.status).toBe(503);
    expect((gone.body as ErrorBody).error.type).toBe("service_unavailable");
    expect(await h.queue.count()).toBe(before);
  });

  it("logs the accepted job with a text preview only", async () => {
    const res = await post({ text: "Secret sentence that must not reach the logs" });
    expect(res.status).toBe(202);
    const id = (res.body as JobAccepted).id;
    const accepted = h.logs.lines.find((l) => l.job_id === id);
    expect(accepted).toMatchObject({ msg: "job accepted", text: "Secret s…", voice: MULTI.id });
    expect(JSON.stringify(h.logs.lines)).not.toContain("must not reach");
    const line = h.logs.lines.find((l) => l.msg === "request" && l.route === "/v1/jobs" && l.status === 202);
    expect(line).toMatchObject({ method: "POST", latency_ms: expect.any(Number) });
  });
});

describe("POST /v1/jobs: rejected, nothing queued", () => {
  const long = "a".repeat(201);
  type Case = { name: string; body?: unknown; raw?: string; contentType?: string; status: number; type: string; field?: string };
  const cases: Case[] = [
    { name: "empty text", body: { text: "" }, status: 400, type: "invalid_input", field: "text" },
    { name: "whitespace-only text", body: { text: " \n\t  " }, status: 400, type: "invalid_input", field: "text" },
    { name: "text over the limit", body: { text: long }, status: 400, type: "invalid_input", field: "text" },
    { name: "text missing", body: { voice: SINGLE.id }, status: 400, type: "invalid_input", field: "text" },
    { name: "text not a string", body: { text: 42 }, status: 400, type: "invalid_input", field: "text" },
    { name: "unknown voice", body: { text: "Hi", voice: "xx_XX-nobody-low" }, status: 400, type: "invalid_input", field: "voice" },
    { name: "unknown speaker name", body: { text: "Hi", voice: MULTI.id, speaker: "dave" }, status: 400, type: "invalid_input", field: "speaker" },
    { name: "speaker id out of range", body: { text: "Hi", voice: MULTI.id, speaker: 3 }, status: 400, type: "invalid_input", field: "speaker" },
    { name: "negative speaker id", body: { text: "Hi", voice: MULTI.id, speaker: -1 }, status: 400, type: "invalid_input", field: "speaker" },
    {
      name: "speaker name on a single-speaker voice",
      body: { text: "Hi", voice: SINGLE.id, speaker: "alice" },
      status: 400,
      type: "invalid_input",
      field: "speaker",
    },
    { name: "speaker id on a single-speaker voice", body: { text: "Hi", voice: SINGLE.id, speaker: 0 }, status: 400, type: "invalid_input", field: "speaker" },
    { name: "length_scale too small", body: { text: "Hi", length_scale: 0.09 }, status: 400, type: "invalid_input", field: "length_scale" },
    { name: "length_scale too large", body: { text: "Hi", length_scale: 5.01 }, status: 400, type: "invalid_input", field: "length_scale" },
    { name: "noise_scale too small", body: { text: "Hi", noise_scale: -0.01 }, status: 400, type: "invalid_input", field: "noise_scale" },
    { name: "noise_scale too large", body: { text: "Hi", noise_scale: 2.01 }, status: 400, type: "invalid_input", field: "noise_scale" },
    { name: "noise_w too small", body: { text: "Hi", noise_w: -0.01 }, status: 400, type: "invalid_input", field: "noise_w" },
    { name: "noise_w too large", body: { text: "Hi", noise_w: 2.01 }, status: 400, type: "invalid_input", field: "noise_w" },
    { name: "scale not a number", body: { text: "Hi", noise_w: "0.5" }, status: 400, type: "invalid_input", field: "noise_w" },
    { name: "priority 0", body: { text: "Hi", priority: 0 }, status: 400, type: "invalid_input", field: "priority" },
    { name: "priority not an integer", body: { text: "Hi", priority: 1.5 }, status: 400, type: "invalid_input", field: "priority" },
    { name: "unknown extra field", body: { text: "Hi", volume: 11 }, status: 400, type: "invalid_input", field: "volume" },
    { name: "a JSON array", body: [{ text: "Hi" }], status: 400, type: "invalid_input", field: "body" },
    { name: "malformed JSON", raw: '{"text": "Hi",', contentType: "application/json", status: 400, type: "invalid_input", field: "body" },
    { name: "a JSON string (strict mode)", raw: '"Hi"', contentType: "application/json", status: 400, type: "invalid_input", field: "body" },
    { name: "wrong content type", raw: "text=Hi", contentType: "text/plain", status: 415, type: "unsupported_media_type" },
    { name: "form encoding", raw: "text=Hi", contentType: "application/x-www-form-urlencoded", status: 415, type: "unsupported_media_type" },
    { name: "body over MAX_BODY_BYTES", body: { text: "a".repeat(2000) }, status: 413, type: "payload_too_large" },
  ];

  it.each(cases)("$name → $status $type", async (c) => {
    const before = await h.queue.count();
    let req = request(h.app).post("/v1/jobs");
    if (c.raw !== undefined) req = req.set("Content-Type", c.contentType ?? "application/json").send(c.raw);
    else req = req.send(c.body as object);
    const res = await req;
    expect(res.status).toBe(c.status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const body = res.body as ErrorBody;
    expect(body.error.type).toBe(c.type);
    expect(body.error.message).toEqual(expect.any(String));
    expect(body.error.message).not.toMatch(/\n\s+at /); // never a stack
    if (c.field) expect(body.error.field).toBe(c.field);
    expect(await h.queue.count()).toBe(before);
  });

  it("answers a POST without a body with 400 naming body", async () => {
    const res = await request(h.app).post("/v1/jobs");
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "body" });
  });

  it("lists installed voices when the voice is unknown", async () => {
    const res = await post({ text: "Hi", voice: "nope" });
    expect((res.body as ErrorBody).error.message).toContain(SINGLE.id);
    expect((res.body as ErrorBody).error.message).toContain(MULTI.id);
  });

  it("counts invalid_input rejections in tts_errors_total", async () => {
    const read = async () => (await h.metrics.errors.get()).values.find((v) => v.labels.error_type === "invalid_input")?.value ?? 0;
    const before = await read();
    await post({ text: "" });
    await request(h.app).post("/v1/jobs").set("Content-Type", "application/json").send("{");
    expect(await read()).toBe(before + 2);
  });

  it("answers 503 with Retry-After while no worker has published a voice", async () => {
    await h.redis.del(workerVoicesKey("test-worker"));
    try {
      const before = await h.queue.count();
      const res = await post({ text: "Hi" });
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
      expect((res.body as ErrorBody).error.type).toBe("service_unavailable");
      expect(await h.queue.count()).toBe(before);
    } finally {
      await h.fleet.publishVoices("test-worker", [SINGLE, MULTI]);
    }
  });
});

describe("a queued job", () => {
  it("reads as queued with no audio yet (409 with Retry-After)", async () => {
    const id = ((await post({ text: "Later" })).body as JobAccepted).id;
    const view = await request(h.app).get(`/v1/jobs/${id}`);
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      id,
      status: "queued",
      created_at: expect.any(String),
      attempts: 0,
      links: { self: `/v1/jobs/${id}`, audio: `/v1/jobs/${id}/audio` },
    });
    expect(Date.parse((view.body as { created_at: string }).created_at)).toBeGreaterThan(Date.now() - 60_000);

    const audio = await request(h.app).get(`/v1/jobs/${id}/audio`);
    expect(audio.status).toBe(409);
    expect(audio.headers["retry-after"]).toBe("2");
    expect((audio.body as ErrorBody).error.type).toBe("not_ready");
  });

  it("reads a prioritized job as queued", async () => {
    const id = ((await post({ text: "Soon", priority: 1 })).body as JobAccepted).id;
    expect((await request(h.app).get(`/v1/jobs/${id}`)).body).toMatchObject({ status: "queued" });
  });
});

describe("routing", () => {
  it("answers 405 with Allow for a wrong method on a known route", async () => {
    const res = await request(h.app).put("/v1/jobs");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, POST");
    expect((res.body as ErrorBody).error.type).toBe("method_not_allowed");
    const del = await request(h.app).delete("/v1/voices");
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe("GET");
  });

  it("answers 404 JSON for unknown routes", async () => {
    const res = await request(h.app).get("/v2/nothing");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { type: "not_found", message: "no route for GET at this path (see the HTTP API in the README)" } });
  });
});

describe("the voice catalog follows the live workers", () => {
  it("rejects a voice whose only worker left, and defaults to the first voice in code-point order", async () => {
    const h = await createHarness({ db: 9 });
    try {
      const other = { ...SINGLE, id: "zz_other-voice" };
      await h.fleet.publishVoices("leaving-worker", [other]);
      const accepted = await request(h.app).post("/v1/jobs").set("Content-Type", "application/json").send({ text: "Hi", voice: other.id });
      expect(accepted.status).toBe(202);
      await h.fleet.leave("leaving-worker");
      const before = await h.queue.count();
      const rejected = await request(h.app).post("/v1/jobs").set("Content-Type", "application/json").send({ text: "Hi", voice: other.id });
      expect(rejected.status).toBe(400);
      expect((rejected.body as ErrorBody).error.field).toBe("voice");
      expect(await h.queue.count()).toBe(before);
    } finally {
      await h.close();
    }
  });
});
