import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKER_HEARTBEATS_KEY, type ErrorBody, type VoiceInfo } from "@voxqueue/contracts";
import { METRIC } from "@voxqueue/telemetry";
import { MULTI, SINGLE, createHarness, parseMetrics, sampleValue, type Harness } from "./helpers.js";

// Redis db 5 is this file's alone (catalog and heartbeat keys are fixed).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 5 });
});
afterAll(async () => {
  await h.close();
});

describe("GET /v1/voices", () => {
  it("lists the catalog the workers published, sorted by id", async () => {
    const res = await request(h.app).get("/v1/voices");
    expect(res.status).toBe(200);
    expect((res.body as { voices: VoiceInfo[] }).voices).toEqual([MULTI, SINGLE]);
  });
});

describe("probes", () => {
  it("/healthz is 200 without touching Redis", async () => {
    const res = await request(h.app).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("/readyz is 503 without a fresh worker heartbeat, 200 with one", async () => {
    await h.redis.del(WORKER_HEARTBEATS_KEY);
    await h.fleet.heartbeat("stale-worker", Date.now() - 31_000);
    const unready = await request(h.app).get("/readyz");
    expect(unready.status).toBe(503);
    expect(unready.body).toMatchObject({ status: "unready", checks: { redis: "ok", workers: "none" } });
    expect((unready.body as ErrorBody).error.type).toBe("service_unavailable");

    await h.fleet.heartbeat("fresh-worker");
    const ready = await request(h.app).get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { redis: "ok", workers: "ok" } });
    // Bring back the harness's worker, whose voices the next tests submit to.
    await h.fleet.heartbeat("test-worker");
  });
});

describe("GET /metrics", () => {
  it("exports the queue backlog read from Redis and the HTTP counters by route pattern", async () => {
    const accepted = await request(h.app).post("/v1/jobs").send({ text: "Count me" });
    expect(accepted.status).toBe(202);
    await request(h.app)
      .get(`/v1/jobs/${(accepted.body as { id: string }).id}`)
      .expect(200);

    const res = await request(h.app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toContain(`${METRIC.queueLength}{queue="${h.queue.name}",state="waiting"} 1`);
    const samples = parseMetrics(res.text);
    expect(sampleValue(samples, METRIC.queueJobs, { queue: h.queue.name, state: "waiting" })).toBe(1);
    expect(sampleValue(samples, METRIC.httpRequests, { method: "POST", route: "/v1/jobs", status_code: "202" })).toBe(1);
    // The route pattern, not the job's path.
    expect(sampleValue(samples, METRIC.httpRequests, { method: "GET", route: "/v1/jobs/:id", status_code: "200" })).toBe(1);
    expect(samples.some((s) => s.name === METRIC.httpRequests && s.labels.route?.includes(h.queue.name))).toBe(false);
    expect(sampleValue(samples, `${METRIC.httpRequestDuration}_count`, { method: "POST", route: "/v1/jobs", status_code: "202" })).toBe(1);
  });

  it("labels unknown paths as unmatched", async () => {
    await request(h.app).get("/no/such/path").expect(404);
    const samples = parseMetrics((await request(h.app).get("/metrics")).text);
    expect(sampleValue(samples, METRIC.httpRequests, { method: "GET", route: "unmatched", status_code: "404" })).toBe(1);
  });
});
