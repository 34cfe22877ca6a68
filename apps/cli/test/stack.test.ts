import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "@voxqueue/config";
import { RedisUnavailableError } from "../src/redis.js";
import { describeExit, redisDataDir } from "../src/stack.js";

describe("redisDataDir", () => {
  it("is one folder per port, data/redis for the default port", () => {
    expect(redisDataDir("redis://127.0.0.1:6379")).toBe(join(REPO_ROOT, "data", "redis"));
    expect(redisDataDir("redis://localhost")).toBe(join(REPO_ROOT, "data", "redis"));
    expect(redisDataDir("redis://127.0.0.1:6380")).toBe(join(REPO_ROOT, "data", "redis-6380"));
    expect(redisDataDir("redis://127.0.0.1:6381/2")).toBe(join(REPO_ROOT, "data", "redis-6381"));
  });

  it("says when REDIS_URL is not a URL", () => {
    expect(() => redisDataDir("not a url")).toThrow(RedisUnavailableError);
  });
});

describe("describeExit", () => {
  it("names the signal that killed a process, or its exit code", () => {
    expect(describeExit({ code: null, signal: "SIGKILL" })).toBe("was killed by SIGKILL");
    expect(describeExit({ code: 1, signal: null })).toBe("exited with code 1");
  });
});
