import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureRedis, redisAnswers, RedisUnavailableError, type LocalRedis } from "../src/redis.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let started: LocalRedis | null = null;
afterEach(() => {
  started?.child?.kill("SIGTERM");
  started = null;
});

describe("ensureRedis", () => {
  it("uses a Redis that already answers", async () => {
    const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const redis = await ensureRedis(url, "/nonexistent", () => undefined);
    expect(redis.child).toBeNull();
  });

  it("starts redis-server with AOF persistence when none answers on a local URL", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    expect(await redisAnswers(url, 200)).toBe(false);
    const dir = await mkdtemp(join(tmpdir(), "vq-redis-"));
    const lines: string[] = [];
    started = await ensureRedis(url, dir, (l) => lines.push(l));
    expect(started.child).not.toBeNull();
    expect(await redisAnswers(url)).toBe(true);
    expect(lines.join("\n")).toContain("AOF");
  });

  it("says how to get Redis when redis-server is not on PATH", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(ensureRedis(url, await mkdtemp(join(tmpdir(), "vq-redis-")), () => undefined)).rejects.toThrow(/redis-server is not on PATH: install it/);
    } finally {
      process.env.PATH = path;
    }
  });

  it("refuses to start a server for a remote URL", async () => {
    await expect(ensureRedis("redis://203.0.113.9:6379", "/tmp", () => undefined)).rejects.toBeInstanceOf(RedisUnavailableError);
  });
});
