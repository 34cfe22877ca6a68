import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "@voxqueue/contracts";
import { createHarness, type Harness } from "./helpers.js";

// MAX_AUDIO_SECONDS at submit: characters x length_scale x 0.03 s (a lower bound of the
// audio per character) over the limit is a 400 naming the field to change; nothing is
// queued. The worker holds the exact limit (apps/worker/test/bounded-audio.test.ts).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 10, env: { MAX_AUDIO_SECONDS: "10" } });
});
afterAll(async () => {
  await h.close();
});

async function submit(body: object) {
  const before = await h.queue.count();
  const res = await request(h.app).post("/v1/jobs").send(body);
  return { res, queued: (await h.queue.count()) - before };
}

describe("POST /v1/jobs over MAX_AUDIO_SECONDS", () => {
  it("refuses a text that fits at length_scale 1 but clearly not at the one asked, naming length_scale", async () => {
    const { res, queued } = await submit({ text: "a".repeat(200), length_scale: 2 });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "length_scale" });
    expect((res.body as ErrorBody).error.message).toMatch(/at least 12 s .* over MAX_AUDIO_SECONDS \(10 s\)/);
    expect(queued).toBe(0);
  });

  it("refuses a text too long at any speed, naming text", async () => {
    const h5 = await createHarness({ db: 10, env: { MAX_AUDIO_SECONDS: "5" } });
    try {
      const res = await request(h5.app)
        .post("/v1/jobs")
        .send({ text: "a".repeat(200) });
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "text" });
    } finally {
      await h5.queue.close();
      await h5.redis.quit();
    }
  });

  it("accepts what is not clearly over (the worker holds the exact limit)", async () => {
    const { res, queued } = await submit({ text: "a".repeat(100), length_scale: 3 });
    expect(res.status).toBe(202);
    expect(queued).toBe(1);
  });
});
