// Property-based tests of the request contracts through the real API (supertest, real
// Redis): random JSON bodies — deep nesting, huge and odd numbers, random Unicode and
// control characters in every field, wrong types. Every answer is a 202 or a classified
// 4xx JSON error naming a known type; never a 5xx, never a hang (vitest's timeout).
import fc from "fast-check";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_TYPES, type ErrorBody } from "@voxqueue/contracts";
import { MULTI, SINGLE, createHarness, type Harness } from "./helpers.js";

// Redis db 3; no rate limit or in-flight cap, so every valid body is accepted.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 3, env: { SUBMIT_RATE_LIMIT: "0", MAX_JOBS_IN_FLIGHT_PER_KEY: "0", MAX_QUEUED_JOBS: "0" } });
});
afterAll(async () => {
  await h.close();
});

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.constantFrom("", " ", "\u0000", "\u202eevil", "<speak><break/></speak>", "<speak>", "a".repeat(6000)),
);
const oddNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, -0),
  fc.bigInt().map((n) => n.toString()),
);
/** A field's value: right-ish or wrong type. */
const anyValue = fc.oneof(anyText, oddNumber, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
const fields = {
  text: fc.oneof(anyText, anyValue),
  voice: fc.oneof(fc.constantFrom(SINGLE.id, MULTI.id, "../../etc/passwd", ""), anyValue),
  speaker: fc.oneof(fc.integer({ min: -2, max: 5 }), anyValue),
  length_scale: oddNumber,
  noise_scale: oddNumber,
  noise_w: oddNumber,
  priority: oddNumber,
  format: fc.oneof(fc.constantFrom("wav", "mp3", "opus", "flac", "pcm", "WAV"), anyValue),
  text_normalization: fc.oneof(fc.constantFrom("standard", "piper"), anyValue),
  text_type: fc.oneof(fc.constantFrom("text", "ssml"), anyValue),
  webhook_url: fc.oneof(fc.webUrl(), anyValue),
};
const jobBody = fc.record(fields, { requiredKeys: [] });
/** JSON nested far deeper than any handler expects. */
const deep = fc.integer({ min: 100, max: 5_000 }).map((n) => `${'{"text":'.repeat(n)}"x"${"}".repeat(n)}`);

/** Statuses seen, per test: a property whose inputs are all refused the same way proves little. */
const seen = new Map<number, number>();

function expectClassified(res: request.Response): void {
  seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(500);
  if (res.status === 202) return;
  expect(res.status).toBeGreaterThanOrEqual(400);
  const body = res.body as ErrorBody;
  expect(Object.keys(ERROR_TYPES)).toContain(body.error.type);
  expect(typeof body.error.message).toBe("string");
}

describe("POST /v1/jobs under random bodies (fast-check)", () => {
  it("answers 202 or a classified 4xx for random field values", async () => {
    seen.clear();
    await fc.assert(
      fc.asyncProperty(jobBody, async (body) => expectClassified(await request(h.app).post("/v1/jobs").send(body))),
      { numRuns: 200 },
    );
    // Valid values are among the random ones: some bodies pass, most are refused.
    console.log(JSON.stringify({ fuzz: "POST /v1/jobs fields", statuses: Object.fromEntries(seen) }));
    expect(seen.get(400)).toBeGreaterThan(0);
  });

  it("accepts random text with valid settings (202) or refuses it naming the text (400), never more", async () => {
    seen.clear();
    const valid = fc.record({
      text: fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 }),
      voice: fc.constantFrom(SINGLE.id, MULTI.id),
      length_scale: fc.double({ min: 0.5, max: 2, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(valid, async (body) => {
        const res = await request(h.app).post("/v1/jobs").send(body);
        expectClassified(res);
        if (res.status !== 202) expect((res.body as ErrorBody).error.field).toBe("text");
      }),
      { numRuns: 100 },
    );
    console.log(JSON.stringify({ fuzz: "POST /v1/jobs valid settings", statuses: Object.fromEntries(seen) }));
    expect(seen.get(202)).toBeGreaterThan(0);
  });

  it("answers a classified 4xx for any JSON that is not a job, and for deep nesting", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v)),
          deep,
          fc.string({ unit: "binary", maxLength: 300 }),
        ),
        async (raw) => {
          const res = await request(h.app).post("/v1/jobs").set("Content-Type", "application/json").send(raw);
          expectClassified(res);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("POST /v1/text/preview answers random text as 200 or a classified 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ text: fields.text, voice: fields.voice, text_normalization: fields.text_normalization }, { requiredKeys: [] }),
        async (body) => {
          const res = await request(h.app).post("/v1/text/preview").send(body);
          if (res.status !== 200) expectClassified(res);
        },
      ),
      { numRuns: 100 },
    );
  });
});
