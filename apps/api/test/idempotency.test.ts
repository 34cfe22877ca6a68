import { createHash, randomUUID } from "node:crypto";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, idempotencyKey, type ErrorBody, type JobAccepted } from "@voxqueue/contracts";
import { KeyStore } from "../src/security/key-store.js";
import { fingerprintOf } from "../src/security/idempotency.js";
import { createHarness, type Harness } from "./helpers.js";

const KEYS = { alice: "vq_idem-alice-0123456789abcdefghijklmnopqrstu", bob: "vq_idem-bob-0123456789abcdefghijklmnopqrstuvw" };
const auth = (name: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[name]}` });

// Redis db 15 is this file's alone.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 15, keys: new KeyStore(Object.entries(KEYS).map(([name, key]) => ({ name, sha256: hashApiKey(key) }))) });
});
afterAll(async () => {
  await h.close();
});

const submit = (body: object | string, idem: string, who: keyof typeof KEYS = "alice") =>
  request(h.app)
    .post("/v1/jobs")
    .set(auth(who))
    .set("Idempotency-Key", idem)
    .set("Content-Type", "application/json")
    .send(typeof body === "string" ? body : JSON.stringify(body));

describe("Idempotency-Key on POST /v1/jobs", () => {
  it("answers a retry with the original job: 200, the same id and the 202's body and Location; one job stored", async () => {
    const idem = randomUUID();
    const before = await h.queue.count();
    const first = await submit({ text: "Hello once.", length_scale: 1.2 }, idem);
    expect(first.status).toBe(202);
    // The same request, its keys in another order and spaced otherwise.
    const retry = await submit('{ "length_scale": 1.2,\n  "text": "Hello once." }', idem);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(await h.queue.count()).toBe(before + 1);
  });

  it("refuses the same key with a different body: 409 idempotency_conflict naming the header, nothing stored", async () => {
    const idem = randomUUID();
    expect((await submit({ text: "First text." }, idem)).status).toBe(202);
    const before = await h.queue.count();
    const other = await submit({ text: "Another text." }, idem);
    expect(other.status).toBe(409);
    expect((other.body as ErrorBody).error).toMatchObject({ type: "idempotency_conflict", field: "Idempotency-Key" });
    expect(await h.queue.count()).toBe(before);
  });

  it("makes one job of concurrent submits with one key", async () => {
    const idem = randomUUID();
    const before = await h.queue.count();
    const answers = await Promise.all(Array.from({ length: 5 }, () => submit({ text: "At the same instant." }, idem)));
    for (const a of answers) expect([200, 202]).toContain(a.status);
    expect(answers.filter((a) => a.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(new Set(answers.map((a) => (a.body as JobAccepted).id)).size).toBe(1);
    expect(await h.queue.count()).toBe(before + 1);
  });

  it("scopes keys per API key: another key's same Idempotency-Key is a new job", async () => {
    const idem = randomUUID();
    const a = await submit({ text: "Shared key." }, idem, "alice");
    const b = await submit({ text: "Shared key." }, idem, "bob");
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((a.body as JobAccepted).id).not.toBe((b.body as JobAccepted).id);
    expect((await h.queue.getJob((b.body as JobAccepted).id))?.data.owner).toBe("bob");
  });

  it("remembers a key for IDEMPOTENCY_TTL_SECONDS (cut to JOB_RETENTION_SECONDS), storing only its hash", async () => {
    const idem = `order-${randomUUID()}`;
    expect((await submit({ text: "Remember me." }, idem)).status).toBe(202);
    const redisKey = idempotencyKey("alice", createHash("sha256").update(idem).digest("hex"));
    const ttl = await h.redis.ttl(redisKey);
    expect(h.deps.config.IDEMPOTENCY_TTL_SECONDS).toBe(600); // the harness keeps jobs 600 s
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(JSON.stringify(await h.redis.keys("*"))).not.toContain(idem);
  });

  it("adds the job when the first request claimed the key but its job was never stored (Redis went away mid-submit)", async () => {
    const idem = randomUUID();
    const lost = randomUUID();
    const body = { text: "Lost the first time." };
    const redisKey = idempotencyKey("alice", createHash("sha256").update(idem).digest("hex"));
    await h.redis.set(redisKey, JSON.stringify({ id: lost, fingerprint: fingerprintOf(body) }), "EX", 600);
    const retry = await submit(body, idem);
    expect(retry.status).toBe(202);
    expect((retry.body as JobAccepted).id).toBe(lost);
    expect((await h.queue.getJob(lost))?.data.text).toBe("Lost the first time.");
    const again = await submit(body, idem);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(retry.body);
  });
});
