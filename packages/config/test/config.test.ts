import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_VOICES_DIR, parseApiEnv, parseWorkerEnv } from "../src/index.js";

describe("parseApiEnv", () => {
  it("applies the documented defaults to an empty environment", () => {
    const cfg = parseApiEnv({});
    expect(cfg.PORT).toBe(8080);
    expect(cfg.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(cfg.MAX_TEXT_CHARS).toBe(5000);
    expect(cfg.AUDIO_TTL_SECONDS).toBe(86_400);
    expect(cfg.QUEUE_NAME).toBe("tts-synthesis");
    expect(cfg.QUEUE_EVENTS_MAX_LEN).toBe(10_000);
    expect(cfg.API_KEYS_FILE).toBeUndefined();
    expect([cfg.SUBMIT_RATE_LIMIT, cfg.SUBMIT_RATE_WINDOW_SECONDS, cfg.MAX_JOBS_IN_FLIGHT_PER_KEY]).toEqual([120, 60, 100]);
    expect([cfg.MAX_QUEUED_JOBS, cfg.QUEUE_FULL_RETRY_AFTER_SECONDS, cfg.IDEMPOTENCY_TTL_SECONDS]).toEqual([10_000, 10, 86_400]);
  });

  it("cuts IDEMPOTENCY_TTL_SECONDS to JOB_RETENTION_SECONDS", () => {
    expect(parseApiEnv({ JOB_RETENTION_SECONDS: "600" }).IDEMPOTENCY_TTL_SECONDS).toBe(600);
    expect(parseApiEnv({ JOB_RETENTION_SECONDS: "600", IDEMPOTENCY_TTL_SECONDS: "120" }).IDEMPOTENCY_TTL_SECONDS).toBe(120);
  });

  it("coerces numbers and treats empty strings as unset", () => {
    const cfg = parseApiEnv({ PORT: "9000", MAX_TEXT_CHARS: "", REDIS_URL: "redis://redis:6380/2" });
    expect(cfg.PORT).toBe(9000);
    expect(cfg.MAX_TEXT_CHARS).toBe(5000);
    expect(cfg.REDIS_URL).toBe("redis://redis:6380/2");
  });

  it("names every invalid variable", () => {
    let err: unknown;
    try {
      parseApiEnv({ PORT: "http", REDIS_URL: "localhost:6379", MAX_TEXT_CHARS: "0" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain("PORT");
    expect(message).toContain("REDIS_URL");
    expect(message).toContain("MAX_TEXT_CHARS");
  });
});

describe("parseWorkerEnv", () => {
  it("applies the documented defaults", () => {
    const cfg = parseWorkerEnv({});
    expect(cfg.WORKER_METRICS_PORT).toBe(9464);
    expect(cfg.WORKER_CONCURRENCY).toBe(1);
    expect(cfg.VOICES_DIR).toBe(DEFAULT_VOICES_DIR);
    expect(cfg.VOICES_WATCH).toBe(true);
    expect(cfg.EXECUTION_PROVIDER).toBe("cpu");
    expect(cfg.EXECUTION_PROVIDERS).toEqual(["cpu"]);
    expect(cfg.INFERENCE_THREAD_MAX_HEAP_MB).toBe(512);
    expect(cfg.QUEUE_EVENTS_MAX_LEN).toBe(10_000);
    // A killed worker's job is back in the queue within lock + check interval (45 s).
    expect(cfg.LOCK_DURATION_MS + cfg.STALLED_INTERVAL_MS).toBe(45_000);
    expect(cfg.MAX_STALLED_COUNT).toBe(2);
  });

  it("parses booleans and rejects unknown execution providers", () => {
    expect(parseWorkerEnv({ VOICES_WATCH: "false" }).VOICES_WATCH).toBe(false);
    expect(() => parseWorkerEnv({ EXECUTION_PROVIDER: "tpu" })).toThrow(/EXECUTION_PROVIDER/);
    expect(() => parseWorkerEnv({ EXECUTION_PROVIDERS: "cuda,tpu" })).toThrow(/EXECUTION_PROVIDERS.*one of cpu, cuda, webgpu/s);
    expect(() => parseWorkerEnv({ WORKER_CONCURRENCY: "0" })).toThrow(/WORKER_CONCURRENCY/);
  });
});

describe("execution providers", () => {
  it("takes an ordered list, lower-cased, without repeats", () => {
    expect(parseWorkerEnv({ EXECUTION_PROVIDERS: "CUDA, webgpu,cpu,cuda" }).EXECUTION_PROVIDERS).toEqual(["cuda", "webgpu", "cpu"]);
  });

  it("reads the one-provider form as that provider, then the CPU", () => {
    expect(parseWorkerEnv({ EXECUTION_PROVIDER: "cuda" }).EXECUTION_PROVIDERS).toEqual(["cuda", "cpu"]);
    expect(parseWorkerEnv({ EXECUTION_PROVIDER: "cuda", EXECUTION_PROVIDERS: "webgpu" }).EXECUTION_PROVIDERS).toEqual(["webgpu"]);
  });

  it("refuses an empty list", () => {
    expect(() => parseWorkerEnv({ EXECUTION_PROVIDERS: " , " })).toThrow(/EXECUTION_PROVIDERS/);
  });
});

describe("webhook settings", () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  it("are off without WEBHOOK_SECRET, with the documented defaults", () => {
    const api = parseApiEnv({});
    expect(api.WEBHOOK_SECRET).toBeUndefined();
    expect(api.WEBHOOK_MAX_ATTEMPTS).toBe(12);
    expect([...api.WEBHOOK_ALLOWED_HOSTS]).toEqual([]);
    const worker = parseWorkerEnv({});
    expect(worker.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(worker.WEBHOOK_BACKOFF_MS).toBe(10_000);
    expect(worker.WEBHOOK_BACKOFF_MAX_MS).toBe(3_600_000);
    expect(worker.WEBHOOK_CONCURRENCY).toBe(8);
  });

  it("read secrets for a rotation and the allowlist", () => {
    const cfg = parseWorkerEnv({ WEBHOOK_SECRET: `${secret},${secret}`, WEBHOOK_ALLOWED_HOSTS: "Localhost, [::1]" });
    expect(cfg.WEBHOOK_SECRET).toEqual([secret, secret]);
    expect([...cfg.WEBHOOK_ALLOWED_HOSTS]).toEqual(["localhost", "::1"]);
  });

  it("name a malformed secret without showing it", () => {
    expect(() => parseApiEnv({ WEBHOOK_SECRET: "hunter2" })).toThrow(/WEBHOOK_SECRET: the secret does not start with whsec_/);
    expect(() => parseApiEnv({ WEBHOOK_SECRET: "hunter2" })).not.toThrow(/hunter2/);
  });
});

describe("voice pools", () => {
  it("reads VOICE_POOLS on both apps (default none) and WORKER_VOICES, WORKER_POOLS on the worker", () => {
    expect(parseApiEnv({}).VOICE_POOLS).toEqual([]);
    const pools = "gpu=en_US-lessac-high;multi=en_US-voxqueue_ref_multi-x_low";
    expect(parseApiEnv({ VOICE_POOLS: pools }).VOICE_POOLS.map((p) => p.name)).toEqual(["gpu", "multi"]);
    const worker = parseWorkerEnv({ VOICE_POOLS: pools, WORKER_VOICES: " a, b ,a", WORKER_POOLS: "default,gpu" });
    expect(worker.VOICE_POOLS).toEqual([
      { name: "gpu", voices: ["en_US-lessac-high"] },
      { name: "multi", voices: ["en_US-voxqueue_ref_multi-x_low"] },
    ]);
    expect([worker.WORKER_VOICES, worker.WORKER_POOLS]).toEqual([
      ["a", "b"],
      ["default", "gpu"],
    ]);
    expect([parseWorkerEnv({}).WORKER_VOICES, parseWorkerEnv({}).WORKER_POOLS]).toEqual([undefined, undefined]);
  });

  it("names VOICE_POOLS, QUEUE_NAME and WORKER_VOICES when they are invalid", () => {
    expect(() => parseApiEnv({ VOICE_POOLS: "gpu=a;cpu=a" })).toThrow(/VOICE_POOLS: voice "a" is in pools "gpu" and "cpu"/);
    expect(() => parseApiEnv({ QUEUE_NAME: "tts:synthesis" })).toThrow(/QUEUE_NAME: must not contain ':'/);
    expect(() => parseApiEnv({ QUEUE_NAME: "tts-batch" })).toThrow(/QUEUE_NAME: must not end in -batch/);
    expect(() => parseWorkerEnv({ WORKER_VOICES: " , " })).toThrow(/WORKER_VOICES: must name at least one/);
  });
});
