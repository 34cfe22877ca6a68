import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "@voxqueue/contracts";
import { createHarness, type Harness } from "./helpers.js";

// Redis db 7 is this file's alone. The test Redis has no replica, so WAIT 1 never gets its confirmation.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 7, env: { REDIS_WAIT_REPLICAS: "1", REDIS_WAIT_TIMEOUT_MS: "200" } });
});
afterAll(async () => {
  await h.close();
});

describe("REDIS_WAIT_REPLICAS", () => {
  it("answers 503 with Retry-After, naming the setting, when no replica confirms the job in time; the job stays on the primary", async () => {
    const before = await h.queue.count();
    const res = await request(h.app).post("/v1/jobs").send({ text: "Confirm me on a replica." });
    expect(res.status).toBe(503);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    const body = res.body as ErrorBody;
    expect(body.error.type).toBe("service_unavailable");
    expect(body.error.message).toMatch(/only 0 of 1 Redis replicas confirmed the job within 200 ms \(REDIS_WAIT_REPLICAS\)/);
    // Written before WAIT: it runs, and a retry with an Idempotency-Key finds it.
    expect(await h.queue.count()).toBe(before + 1);
  });
});
