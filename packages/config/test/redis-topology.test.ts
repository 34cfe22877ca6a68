import { describe, expect, it } from "vitest";
import { ConfigError, describeRedisTopology, hasHashTag, parseApiEnv, parseWorkerEnv, queuePrefix } from "../src/index.js";

describe("Redis topology settings", () => {
  it("reads REDIS_SENTINELS as host:port addresses (IPv6 in brackets) with the default master name", () => {
    const cfg = parseWorkerEnv({ REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380,[::1]:26381" });
    expect(cfg.REDIS_SENTINELS).toEqual([
      { host: "10.0.0.1", port: 26379 },
      { host: "sentinel-b", port: 26380 },
      { host: "::1", port: 26381 },
    ]);
    expect(cfg.REDIS_SENTINEL_NAME).toBe("mymaster");
    expect(describeRedisTopology(cfg)).toBe("sentinel mymaster via 10.0.0.1:26379,sentinel-b:26380,::1:26381");
  });

  it("reads REDIS_CLUSTER_NODES; without either, the topology is REDIS_URL without its password", () => {
    expect(parseApiEnv({ REDIS_CLUSTER_NODES: "127.0.0.1:7000" }).REDIS_CLUSTER_NODES).toEqual([{ host: "127.0.0.1", port: 7000 }]);
    expect(describeRedisTopology(parseApiEnv({ REDIS_URL: "redis://user:secret@redis:6380/2" }))).toBe("redis://redis:6380/2");
  });

  it("names the variable of an address that is not host:port, and refuses Sentinel with Cluster", () => {
    expect(() => parseApiEnv({ REDIS_SENTINELS: "127.0.0.1" })).toThrow(/REDIS_SENTINELS: "127.0.0.1" is not host:port/);
    expect(() => parseWorkerEnv({ REDIS_CLUSTER_NODES: "a:70000" })).toThrow(/REDIS_CLUSTER_NODES: "a:70000" is not host:port/);
    expect(() => parseApiEnv({ REDIS_SENTINELS: " , " })).toThrow(/REDIS_SENTINELS: must name at least one host:port/);
    expect(() => parseApiEnv({ REDIS_SENTINELS: "a:1", REDIS_CLUSTER_NODES: "b:2" })).toThrow(ConfigError);
    expect(() => parseApiEnv({ REDIS_SENTINELS: "a:1", REDIS_CLUSTER_NODES: "b:2" })).toThrow(
      /REDIS_CLUSTER_NODES: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES/,
    );
  });

  it("REDIS_WAIT_REPLICAS: off by default, bounded timeout, refused with Cluster", () => {
    const cfg = parseApiEnv({});
    expect([cfg.REDIS_WAIT_REPLICAS, cfg.REDIS_WAIT_TIMEOUT_MS]).toEqual([0, 1_000]);
    expect(() => parseApiEnv({ REDIS_WAIT_TIMEOUT_MS: "5000" })).toThrow(/REDIS_WAIT_TIMEOUT_MS/);
    expect(() => parseApiEnv({ REDIS_WAIT_REPLICAS: "1", REDIS_CLUSTER_NODES: "b:2" })).toThrow(
      /REDIS_WAIT_REPLICAS: is not supported with REDIS_CLUSTER_NODES/,
    );
  });

  it("QUEUE_PREFIX: BullMQ's bull on one server, {voxqueue} on a Cluster; a Cluster prefix needs a hash tag", () => {
    expect(queuePrefix(parseApiEnv({}))).toBe("bull");
    expect(queuePrefix(parseWorkerEnv({ REDIS_SENTINELS: "a:1" }))).toBe("bull");
    expect(queuePrefix(parseWorkerEnv({ REDIS_CLUSTER_NODES: "a:1" }))).toBe("{voxqueue}");
    expect(queuePrefix(parseApiEnv({ REDIS_CLUSTER_NODES: "a:1", QUEUE_PREFIX: "tts:{q}" }))).toBe("tts:{q}");
    expect(queuePrefix(parseApiEnv({ QUEUE_PREFIX: "tts" }))).toBe("tts");
    for (const bad of ["bull", "{}", "{}{x}", "x}{"]) {
      expect(() => parseWorkerEnv({ REDIS_CLUSTER_NODES: "a:1", QUEUE_PREFIX: bad }), bad).toThrow(
        /QUEUE_PREFIX: needs a \{hash tag\} with REDIS_CLUSTER_NODES/,
      );
    }
    // Redis hashes the text between the first { and the first } after it.
    expect(["{a}", "x{a}y", "{a}{b}", "x}{a}"].map(hasHashTag)).toEqual([true, true, true, true]);
  });
});
