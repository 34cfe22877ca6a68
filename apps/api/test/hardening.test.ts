import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody, JobAccepted } from "@voxqueue/contracts";
import { MULTI, createHarness, type Harness } from "./helpers.js";

// Redis db 13 is this file's alone.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 13 });
  await h.fleet.heartbeat("hardening-test-worker");
});
afterAll(async () => {
  await h.close();
});

describe("security headers", () => {
  it.each(["/healthz", "/v1/voices", "/v1/jobs/00000000-0000-4000-8000-000000000000", "/nowhere"])("on %s: helmet's headers, no X-Powered-By", async (path) => {
    const res = await request(h.app).get(path);
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'self'");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["strict-transport-security"]).toMatch(/^max-age=\d+/);
    expect(res.headers["cross-origin-opener-policy"]).toBe("same-origin");
  });
});

describe("request ids", () => {
  it("answers a fresh UUID in X-Request-Id and logs it on the request line", async () => {
    const res = await request(h.app).post("/v1/jobs").send({ text: "Hello." });
    expect(res.status).toBe(202);
    const id = res.headers["x-request-id"];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const jobId = (res.body as JobAccepted).id;
    expect(h.logs.lines.find((l) => l.msg === "job accepted" && l.job_id === jobId)).toMatchObject({ request_id: id });
    expect(h.logs.lines.findLast((l) => l.msg === "request" && l.route === "/v1/jobs")).toMatchObject({ request_id: id, status: 202 });
  });

  it("keeps a client's safe X-Request-Id", async () => {
    const res = await request(h.app).get("/v1/voices").set("X-Request-Id", "client-01HZX4:retry.2@edge");
    expect(res.headers["x-request-id"]).toBe("client-01HZX4:retry.2@edge");
    expect(h.logs.lines.findLast((l) => l.msg === "request" && l.route === "/v1/voices")).toMatchObject({ request_id: "client-01HZX4:retry.2@edge" });
  });

  it.each([
    ["with a space", "a b"],
    ["with a quote", 'a"b'],
    ["of 129 characters", "x".repeat(129)],
    ["with a Latin-1 character", "caf\u00e9"],
    ["with JSON in it", '{"level":"fatal"}'],
  ])("replaces a client's id %s by a fresh one", async (_name, given) => {
    const res = await request(h.app).get("/healthz").set("X-Request-Id", given);
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).not.toBe(given);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("error messages never repeat the client's text", () => {
  const MARK = "ZZmarkZZ";
  const post = (body: string, headers: Record<string, string> = {}) =>
    request(h.app)
      .post("/v1/jobs")
      .set({ "Content-Type": "application/json", ...headers })
      .send(body);

  it.each([
    ["an unknown voice", () => post(JSON.stringify({ text: "Hi", voice: `xx_${MARK}` })), "voice"],
    ["an unknown speaker", () => post(JSON.stringify({ text: "Hi", voice: MULTI.id, speaker: MARK })), "speaker"],
    ["an unknown field that looks like a name", () => post(JSON.stringify({ text: "Hi", [`x${MARK}`]: 1 })), `x${MARK}`],
    ["an unknown field that does not", () => post(JSON.stringify({ text: "Hi", [`${MARK} <script>`]: 1 })), "body"],
    ["an unknown charset", () => post(JSON.stringify({ text: "Hi" }), { "Content-Type": `application/json; charset=${MARK}` }), undefined],
    ["an unknown content encoding", () => post(JSON.stringify({ text: "Hi" }), { "Content-Encoding": MARK }), undefined],
    ["an unknown path", () => request(h.app).get(`/v1/${MARK}`), undefined],
    ["an unknown OpenAI model", () => request(h.app).post("/v1/audio/speech").send({ model: MARK, input: "Hi", voice: "alloy" }), "model"],
    ["an unknown OpenAI voice", () => request(h.app).post("/v1/audio/speech").send({ model: "tts-1", input: "Hi", voice: MARK }), "voice"],
    ["an unknown model id", () => request(h.app).get(`/v1/models/${MARK}`), "model"],
  ])("%s: a 4xx whose message names at most the field", async (_name, send, field) => {
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    // Our errors name the field in `field`; the OpenAI-compatible routes' in `param`.
    const error = (res.body as ErrorBody | { error: { message: string; param?: string } }).error;
    const named = "field" in error ? error.field : "param" in error ? error.param : undefined;
    // The field name itself may be the client's (an unknown field); nothing else may be.
    expect(error.message.replaceAll(named ?? "\u0000", "")).not.toContain(MARK);
    expect(named).toBe(field);
  });
});
