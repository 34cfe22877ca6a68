import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { checkRedisServer, connectRedis, openQueue } from "../src/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const admin = new Redis(REDIS_URL);

afterAll(async () => {
  await admin.quit();
});

/** A pino logger whose lines are kept, parsed; `line` fires for each. */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      stream.emit("line");
      done();
    },
  });
  return { lines, stream, logger: pino({ base: null }, stream) };
}

describe("connectRedis", () => {
  it("logs `redis ready` with the topology and warns once per risky setting, on each connect", async () => {
    const { lines, stream, logger } = captureLogs();
    const { warnings } = await checkRedisServer(admin);
    const perConnect = 1 + warnings.length;
    const redis = connectRedis({ REDIS_URL, REDIS_SENTINEL_NAME: "mymaster" }, logger, { maxRetriesPerRequest: null });
    try {
      while (lines.length < perConnect) await once(stream, "line");
      const u = new URL(REDIS_URL);
      expect(lines.find((l) => l.msg === "redis ready")).toMatchObject({ level: 30, redis: `${u.protocol}//${u.host}${u.pathname}` });
      expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(warnings);
      // A reconnect reads the settings again: a Redis that came back may have come back changed.
      redis.disconnect(true);
      while (lines.length < 2 * perConnect) await once(stream, "line");
      expect(lines.filter((l) => l.msg === "redis ready")).toHaveLength(2);
    } finally {
      await redis.quit();
    }
  });
});

describe("openQueue", () => {
  it("caps the queue's event stream near eventsMaxLen and hands errors to onError", async () => {
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const errors: Error[] = [];
    const queue = openQueue<{ n: number }>(`runtime-test-${randomUUID()}`, { connection, eventsMaxLen: 10, onError: (err) => errors.push(err) });
    try {
      // The cap is kept in the queue's meta hash, which the queue writes once it is connected.
      await vi.waitFor(async () => expect(await admin.hget(queue.toKey("meta"), "opts.maxLenEvents")).toBe("10"), { timeout: 30_000, interval: 20 });
      const jobs = 400; // each add writes two events (added, waiting)
      await queue.addBulk(Array.from({ length: jobs }, (_, n) => ({ name: "n", data: { n } })));
      const events = await admin.xlen(queue.toKey("events"));
      // BullMQ trims with MAXLEN ~: whole stream nodes (100 entries each) go, so the cap is approximate.
      expect(events).toBeGreaterThan(0);
      expect(events).toBeLessThan(jobs);
      const err = new Error("connection lost");
      queue.emit("error", err);
      expect(errors).toEqual([err]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    }
  });
});
