import { brotliCompressSync, gzipSync } from "node:zlib";
import express from "express";
import { Registry } from "prom-client";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "@voxqueue/contracts";
import { hashApiKey } from "@voxqueue/contracts";
import { createApiMetrics, createLogger } from "@voxqueue/telemetry";
import { errorHandler } from "../src/errors.js";
import { KeyStore } from "../src/security/key-store.js";
import { MULTI, SINGLE, createHarness, type Harness } from "./helpers.js";

/** The app runs with API keys, as in production: every request sends this one unless a case says otherwise. */
const KEY = "vq_malformed-test-key_0123456789abcdefghijklmnopq";
const AUTH = { Authorization: `Bearer ${KEY}` };

// Redis db 8 is this file's alone (the catalog key is fixed).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    db: 8,
    keys: new KeyStore([{ name: "malformed-test", sha256: hashApiKey(KEY) }]),
    env: { WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString("base64")}` },
  });
  await h.fleet.heartbeat("malformed-test-worker");
});
afterAll(async () => {
  await h.close();
});

/** One malformed `POST /v1/jobs`: a raw body (string or bytes) or a value sent as JSON. */
interface Case {
  name: string;
  /** Sent as is. */
  raw?: string | Buffer;
  /** Sent as `JSON.stringify(json)`. */
  json?: unknown;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** The Authorization header instead of the valid one; null sends none. */
  auth?: string | null;
  status: number;
  type: string;
  /** The field the error must name; a list when either name is right. */
  field?: string | string[];
}

const single = SINGLE.id; // harness limits: MAX_TEXT_CHARS 200, MAX_BODY_BYTES 1024
const ok = { text: "Hello.", voice: single };
const bad = (name: string, patch: Record<string, unknown>, field: string): Case => ({
  name,
  json: { ...ok, ...patch },
  status: 400,
  type: "invalid_input",
  field,
});
const unauthorized = (name: string, auth: string | null): Case => ({ name, json: ok, auth, status: 401, type: "unauthorized", field: "Authorization" });

const CASES: Case[] = [
  // Not JSON, or not a JSON object.
  { name: "truncated JSON", raw: '{"text": "hi"', status: 400, type: "invalid_input", field: "body" },
  { name: "trailing comma", raw: '{"text": "hi",}', status: 400, type: "invalid_input", field: "body" },
  { name: "single quotes", raw: "{'text': 'hi'}", status: 400, type: "invalid_input", field: "body" },
  { name: "plain words", raw: "synthesize this please", status: 400, type: "invalid_input", field: "body" },
  { name: "a JSON string", raw: '"Hello."', status: 400, type: "invalid_input", field: "body" },
  { name: "a JSON number", raw: "42", status: 400, type: "invalid_input", field: "body" },
  { name: "JSON null", raw: "null", status: 400, type: "invalid_input", field: "body" },
  { name: "an empty array", raw: "[]", status: 400, type: "invalid_input", field: "body" },
  { name: "an array of requests", json: [ok], status: 400, type: "invalid_input", field: "body" },
  { name: "garbage after the object", raw: '{"text": "hi"} trailing', status: 400, type: "invalid_input", field: "body" },
  { name: "bare NaN", raw: '{"text": "hi", "length_scale": NaN}', status: 400, type: "invalid_input", field: "body" },
  { name: "bare Infinity", raw: '{"text": "hi", "noise_w": Infinity}', status: 400, type: "invalid_input", field: "body" },
  { name: "undefined", raw: '{"text": undefined}', status: 400, type: "invalid_input", field: "body" },
  { name: "a comment", raw: '{"text": "hi" /* note */}', status: 400, type: "invalid_input", field: "body" },
  { name: "an empty body", raw: "", status: 400, type: "invalid_input", field: ["body", "text"] },
  { name: "whitespace only", raw: " \n\t ", status: 400, type: "invalid_input", field: "body" },
  { name: "deeply nested text", raw: `{"text": ${"[".repeat(400)}${"]".repeat(400)}}`, status: 400, type: "invalid_input", field: "text" },
  // Bytes that are not UTF-8.
  {
    name: "invalid UTF-8 in a string",
    raw: Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  {
    name: "a lone continuation byte",
    raw: Buffer.concat([Buffer.from('{"text": "'), Buffer.from([0x80, 0x80]), Buffer.from('"}')]),
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  {
    name: "an overlong encoding",
    raw: Buffer.concat([Buffer.from('{"text": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  { name: "UTF-16 bytes sent as UTF-8", raw: Buffer.from('{"text": "hi"}', "utf16le"), status: 400, type: "invalid_input", field: "body" },
  // Wrong types.
  bad("text as a number", { text: 123 }, "text"),
  bad("text as a boolean", { text: true }, "text"),
  bad("text as null", { text: null }, "text"),
  bad("text as an array", { text: ["Hello."] }, "text"),
  bad("text as an object", { text: { value: "Hello." } }, "text"),
  bad("voice as a number", { voice: 5 }, "voice"),
  bad("voice empty", { voice: "" }, "voice"),
  bad("voice as null", { voice: null }, "voice"),
  bad("speaker negative", { voice: MULTI.id, speaker: -1 }, "speaker"),
  bad("speaker fractional", { voice: MULTI.id, speaker: 1.5 }, "speaker"),
  bad("speaker as a boolean", { voice: MULTI.id, speaker: true }, "speaker"),
  bad("speaker empty", { voice: MULTI.id, speaker: "" }, "speaker"),
  bad("speaker id out of range", { voice: MULTI.id, speaker: 2 ** 31 }, "speaker"),
  // Numbers: strings, NaN-like strings, out of range, huge.
  bad("length_scale as a numeric string", { length_scale: "1.0" }, "length_scale"),
  bad('length_scale "NaN"', { length_scale: "NaN" }, "length_scale"),
  bad('length_scale "Infinity"', { length_scale: "Infinity" }, "length_scale"),
  bad('noise_scale "-0"', { noise_scale: "-0" }, "noise_scale"),
  bad('noise_w "1e999"', { noise_w: "1e999" }, "noise_w"),
  bad("length_scale 1e308", { length_scale: 1e308 }, "length_scale"),
  bad("length_scale negative", { length_scale: -1 }, "length_scale"),
  bad("length_scale zero", { length_scale: 0 }, "length_scale"),
  { name: "noise_scale 1e999 (Infinity once parsed)", raw: '{"text": "hi", "noise_scale": 1e999}', status: 400, type: "invalid_input", field: "noise_scale" },
  { name: "noise_w -1e999", raw: '{"text": "hi", "noise_w": -1e999}', status: 400, type: "invalid_input", field: "noise_w" },
  bad("noise_w just below zero", { noise_w: -0.0001 }, "noise_w"),
  bad("noise_w null", { noise_w: null }, "noise_w"),
  bad("priority zero", { priority: 0 }, "priority"),
  bad("priority above 1000", { priority: 1001 }, "priority"),
  bad("priority fractional", { priority: 1.5 }, "priority"),
  bad("priority as a string", { priority: "1" }, "priority"),
  { name: "priority past 2^53", raw: '{"text": "hi", "priority": 9007199254740993}', status: 400, type: "invalid_input", field: "priority" },
  { name: "priority with 400 digits", raw: `{"text": "hi", "priority": ${"9".repeat(400)}}`, status: 400, type: "invalid_input", field: "priority" },
  // Missing and extra fields.
  { name: "an empty object", json: {}, status: 400, type: "invalid_input", field: "text" },
  { name: "voice without text", json: { voice: single }, status: 400, type: "invalid_input", field: "text" },
  { name: "a misspelt text field", json: { txt: "Hello." }, status: 400, type: "invalid_input", field: ["text", "txt"] },
  bad("an extra field", { speed: 2 }, "speed"),
  { name: "a __proto__ field", raw: '{"text": "hi", "__proto__": {"priority": 1}}', status: 400, type: "invalid_input", field: "__proto__" },
  bad("a constructor field", { constructor: { name: "x" } }, "constructor"),
  // Unicode and control characters where they cannot be right.
  bad("text only spaces", { text: "   " }, "text"),
  bad("text only Unicode spaces", { text: "\u3000\u2003\u00a0\u2028" }, "text"),
  bad("text past MAX_TEXT_CHARS", { text: "x".repeat(201) }, "text"),
  bad("text of emoji past MAX_TEXT_CHARS", { text: "😀".repeat(201) }, "text"),
  bad("a NUL in the voice", { voice: `${single}\u0000` }, "voice"),
  bad("a lone surrogate as the voice", { voice: "\ud800" }, "voice"),
  bad("a right-to-left override in the voice", { voice: `\u202e${single}` }, "voice"),
  bad("a control character as the speaker", { voice: MULTI.id, speaker: "\u0007" }, "speaker"),
  bad("a voice of 201 characters", { voice: "v".repeat(201) }, "voice"),
  // webhook_url: not a URL, credentials, schemes, http without the allowlist, refused
  // addresses (literal or after DNS). Too long: apps/api/test/jobs-webhook.test.ts.
  bad("webhook_url not a URL", { webhook_url: "call me back" }, "webhook_url"),
  bad("webhook_url relative", { webhook_url: "/hooks/tts" }, "webhook_url"),
  bad("webhook_url empty", { webhook_url: "" }, "webhook_url"),
  bad("webhook_url as a number", { webhook_url: 8080 }, "webhook_url"),
  bad("webhook_url as null", { webhook_url: null }, "webhook_url"),
  bad("webhook_url with credentials", { webhook_url: "https://user:secret@example.com/hook" }, "webhook_url"),
  bad("webhook_url ftp", { webhook_url: "ftp://example.com/hook" }, "webhook_url"),
  bad("webhook_url javascript:", { webhook_url: "javascript:alert(1)" }, "webhook_url"),
  bad("webhook_url file:", { webhook_url: "file:///etc/passwd" }, "webhook_url"),
  bad("webhook_url http without the allowlist", { webhook_url: "http://example.com/hook" }, "webhook_url"),
  bad("webhook_url 127.0.0.1", { webhook_url: "https://127.0.0.1/hook" }, "webhook_url"),
  bad("webhook_url 10.0.0.1", { webhook_url: "https://10.0.0.1/hook" }, "webhook_url"),
  bad("webhook_url cloud metadata", { webhook_url: "https://169.254.169.254/latest/meta-data/" }, "webhook_url"),
  bad("webhook_url [::1]", { webhook_url: "https://[::1]/hook" }, "webhook_url"),
  bad("webhook_url [::ffff:127.0.0.1]", { webhook_url: "https://[::ffff:127.0.0.1]/hook" }, "webhook_url"),
  bad("webhook_url CGNAT", { webhook_url: "https://100.64.0.1/hook" }, "webhook_url"),
  bad("webhook_url 0.0.0.0", { webhook_url: "https://0.0.0.0/hook" }, "webhook_url"),
  bad("webhook_url localhost (resolves to 127.0.0.1)", { webhook_url: "https://localhost/hook" }, "webhook_url"),
  // Wrong content types and encodings.
  { name: "text/plain", raw: JSON.stringify(ok), contentType: "text/plain", status: 415, type: "unsupported_media_type" },
  { name: "a form", raw: "text=Hello.", contentType: "application/x-www-form-urlencoded", status: 415, type: "unsupported_media_type" },
  {
    name: "multipart",
    raw: '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nHello.\r\n--x--',
    contentType: "multipart/form-data; boundary=x",
    status: 415,
    type: "unsupported_media_type",
  },
  { name: "XML", raw: "<text>Hello.</text>", contentType: "application/xml", status: 415, type: "unsupported_media_type" },
  { name: "JSON patch type", raw: JSON.stringify(ok), contentType: "application/merge-patch+json", status: 415, type: "unsupported_media_type" },
  { name: "no content type", raw: JSON.stringify(ok), contentType: null, status: 415, type: "unsupported_media_type" },
  {
    name: "a Latin-1 charset",
    raw: Buffer.from(JSON.stringify(ok), "latin1"),
    contentType: "application/json; charset=iso-8859-1",
    status: 415,
    type: "unsupported_media_type",
  },
  { name: "an unknown content encoding", raw: JSON.stringify(ok), headers: { "Content-Encoding": "zstd-x" }, status: 415, type: "unsupported_media_type" },
  { name: "gzip header on plain bytes", raw: JSON.stringify(ok), headers: { "Content-Encoding": "gzip" }, status: 400, type: "invalid_input", field: "body" },
  {
    name: "deflate header on plain bytes",
    raw: JSON.stringify(ok),
    headers: { "Content-Encoding": "deflate" },
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  { name: "br header on plain bytes", raw: JSON.stringify(ok), headers: { "Content-Encoding": "br" }, status: 400, type: "invalid_input", field: "body" },
  {
    name: "br header on a truncated Brotli body",
    raw: brotliCompressSync(JSON.stringify(ok)).subarray(0, 8),
    headers: { "Content-Encoding": "br" },
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  {
    name: "br header on gzip bytes",
    raw: gzipSync(JSON.stringify(ok)),
    headers: { "Content-Encoding": "br" },
    status: 400,
    type: "invalid_input",
    field: "body",
  },
  // Malformed Authorization headers: 401 (with WWW-Authenticate), never 500, whatever the body.
  unauthorized("no Authorization header", null),
  unauthorized("an empty Authorization header", ""),
  unauthorized("Bearer without a key", "Bearer"),
  unauthorized("Bearer and a space", "Bearer "),
  unauthorized("Basic credentials", "Basic dXNlcjpwYXNzd29yZA=="),
  unauthorized("another scheme", `Token ${KEY}`),
  unauthorized("the key without a scheme", KEY),
  unauthorized("two tokens", `Bearer ${KEY} ${KEY}`),
  unauthorized("a comma-separated list", `Bearer ${KEY}, Bearer ${KEY}`),
  unauthorized("a tab instead of a space", `Bearer\t${KEY}`),
  unauthorized("a quoted key", `Bearer "${KEY}"`),
  unauthorized("a Latin-1 character in the key", `Bearer ${KEY}\u00e9`),
  unauthorized("padding only", "Bearer ===="),
  unauthorized("a key of 5000 characters", `Bearer ${"a".repeat(5000)}`),
  unauthorized("an unknown key", "Bearer vq_unknown-key-0123456789abcdefghijklmnopqrst"),
  unauthorized("the key with a character more", `Bearer ${KEY}x`),
  unauthorized("the key in upper case", `Bearer ${KEY.toUpperCase()}`),
  {
    name: "a bad key and a bad body: the key is checked first",
    raw: '{"text": ',
    auth: "Bearer nope",
    status: 401,
    type: "unauthorized",
    field: "Authorization",
  },
  // Malformed Idempotency-Key headers: 400 naming the header.
  { name: "an empty Idempotency-Key", json: ok, headers: { "Idempotency-Key": "" }, status: 400, type: "invalid_input", field: "Idempotency-Key" },
  {
    name: "an Idempotency-Key of 256 characters",
    json: ok,
    headers: { "Idempotency-Key": "k".repeat(256) },
    status: 400,
    type: "invalid_input",
    field: "Idempotency-Key",
  },
  {
    name: "an Idempotency-Key with a space",
    json: ok,
    headers: { "Idempotency-Key": "two words" },
    status: 400,
    type: "invalid_input",
    field: "Idempotency-Key",
  },
  {
    name: "an Idempotency-Key with a Latin-1 character",
    json: ok,
    headers: { "Idempotency-Key": "caf\u00e9" },
    status: 400,
    type: "invalid_input",
    field: "Idempotency-Key",
  },
  // Too large.
  { name: "a body past MAX_BODY_BYTES", json: { ...ok, text: "x".repeat(2000) }, status: 413, type: "payload_too_large" },
  {
    name: "a gzip bomb past MAX_BODY_BYTES once inflated",
    raw: gzipSync(JSON.stringify({ ...ok, text: " ".repeat(100_000) })),
    headers: { "Content-Encoding": "gzip" },
    status: 413,
    type: "payload_too_large",
  },
];

async function send(c: Case) {
  let req = request(h.app).post("/v1/jobs");
  if (c.auth === undefined) req = req.set(AUTH);
  else if (c.auth !== null) req = req.set("Authorization", c.auth);
  if (c.contentType !== null) req = req.set("Content-Type", c.contentType ?? "application/json");
  for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
  const body = c.raw ?? JSON.stringify(c.json);
  // The bytes as they are (superagent would serialize a Buffer as JSON for a JSON type).
  return req.serialize((b: unknown) => b as string).send(Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"));
}

describe(`POST /v1/jobs: ${CASES.length} malformed requests`, () => {
  it("has at least 50 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)("$name → $status $type", async (c) => {
    const before = await h.queue.count();
    const res = await send(c);
    expect(res.status, JSON.stringify(res.body)).toBe(c.status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const { error } = res.body as ErrorBody;
    expect(error.type).toBe(c.type);
    expect(error.message.length).toBeGreaterThan(0);
    if (c.field !== undefined) expect([c.field].flat()).toContain(error.field);
    if (c.status === 401) expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="voxqueue"/);
    expect(await h.queue.count()).toBe(before);
  });

  it("queued nothing, logged no unhandled error, and the API is still ready", async () => {
    expect(await h.queue.count()).toBe(0);
    expect(h.logs.lines.filter((l) => l.msg === "unhandled error")).toEqual([]);
    const ready = await request(h.app).get("/readyz");
    expect(ready.status).toBe(200);
    // The same app still accepts a good request.
    const good = await request(h.app).post("/v1/jobs").set(AUTH).send(ok);
    expect(good.status).toBe(202);
  });
});

describe("speaker: one wording for every malformed value", () => {
  it.each([
    ["-1", -1],
    ["1.5", 1.5],
    ["-0.5", -0.5],
    ["an empty name", ""],
    ["a name of 201 characters", "x".repeat(201)],
    ["true", true],
    ["an array", [0]],
    ["an object", { id: 0 }],
  ])("%s", async (_name, speaker) => {
    const res = await request(h.app).post("/v1/jobs").set(AUTH).send({ text: "Hello.", voice: MULTI.id, speaker });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toEqual({ type: "invalid_input", field: "speaker", message: "speaker must be a name or a non-negative integer id" });
  });
});

// Errors as body-parser, raw-body and zlib raise them, thrown at the error handler
// directly: every client-caused one (a 4xx status) is a 4xx JSON error, whatever its
// type or code; only a server-side one stays 500 internal.
describe("error handler: body errors by status, type and code", () => {
  const httpError = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), { expose: true, ...fields });
  const cases: [name: string, status: number, type: string, err: Error][] = [
    ["zlib data error", 400, "invalid_input", httpError("incorrect header check", { code: "Z_DATA_ERROR", errno: -3, status: 400, statusCode: 400 })],
    [
      "Brotli format error",
      400,
      "invalid_input",
      httpError("Decompression failed", { code: "ERR__ERROR_FORMAT_PADDING_2", errno: -15, status: 400, statusCode: 400 }),
    ],
    ["a decoder error of an unknown code", 400, "invalid_input", httpError("Decompression failed", { code: "ERR_SOMETHING_NEW", status: 400 })],
    ["request size mismatch", 400, "invalid_input", httpError("request size did not match content length", { type: "request.size.invalid", status: 400 })],
    ["request aborted", 400, "invalid_input", httpError("request aborted", { type: "request.aborted", status: 400 })],
    ["a failed verify hook", 400, "invalid_input", httpError("nope", { type: "entity.verify.failed", status: 403 })],
    ["415 without a type", 415, "unsupported_media_type", httpError('unsupported content encoding "zstd"', { status: 415 })],
    ["413 without a type", 413, "payload_too_large", httpError("request entity too large", { statusCode: 413 })],
    ["a status-less error", 500, "internal", new Error("boom")],
    ["a server-side body error", 500, "internal", httpError("stream is not readable", { type: "stream.not.readable", status: 500, expose: false })],
  ];
  const app = express();
  let next: Error = new Error("unset");
  app.use((_req, _res, fail) => fail(next));
  app.use(
    errorHandler({
      logger: createLogger("test", "silent"),
      metrics: createApiMetrics(new Registry(), { queue: "q", readCounts: async () => ({}), defaultMetrics: false }),
      maxBodyBytes: 1024,
    }),
  );

  it.each(cases)("%s → %i %s", async (_name, status, type, err) => {
    next = err;
    const res = await request(app).post("/v1/jobs");
    expect(res.status).toBe(status);
    expect((res.body as ErrorBody).error.type).toBe(type);
    if (status === 400) expect((res.body as ErrorBody).error.field).toBe("body");
  });
});

describe("malformed percent-escapes in the job id of the path", () => {
  const paths: [method: "get" | "post" | "delete", path: string][] = [
    ["get", "/v1/jobs/%ZZ"],
    ["get", "/v1/jobs/%E0%A4%A"],
    ["get", "/v1/jobs/%"],
    ["get", "/v1/jobs/%ZZ/audio"],
    ["post", "/v1/jobs/%ZZ"],
    ["delete", "/v1/jobs/%E0%A4%A/audio"],
  ];

  it.each(paths)("%s %s → 400 invalid_input naming id, counted as invalid_input, never internal", async (method, path) => {
    const internal = () => h.metrics.errors.get().then((m) => m.values.find((v) => v.labels.error_type === "internal")?.value ?? 0);
    const before = await internal();
    const res = await request(h.app)[method](path).set(AUTH);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    const { error } = res.body as ErrorBody;
    expect(error).toMatchObject({ type: "invalid_input", field: "id" });
    expect(error.message).toMatch(/percent/);
    expect(await internal()).toBe(before);
    expect(h.logs.lines.filter((l) => l.msg === "unhandled error")).toEqual([]);
  });
});
