import { Gauge, type Registry } from "prom-client";
import type { Redis } from "ioredis";
import type { ApiConfig } from "@voxqueue/config";
import { METRIC, type Logger } from "@voxqueue/telemetry";
import { serviceUnavailable } from "./errors.js";

/** How often the API reads Redis' eviction policy, maxmemory and used memory, ms (and on every reconnect). */
export const REDIS_SAFETY_REFRESH_MS = 2_000;

/** What the last reading said; a field is absent when Redis would not tell (CONFIG disabled). */
export interface RedisSafetyReading {
  policy?: string;
  /** `maxmemory`, bytes; 0 = no limit. */
  maxmemoryBytes?: number;
  usedMemoryBytes?: number;
}

/**
 * Watches the Redis settings a queue depends on (BullMQ #2215, #1046): with any
 * `maxmemory-policy` but `noeviction`, Redis evicts queued jobs, results, audio and the
 * voice catalog under memory pressure. Read at start, on every reconnect and every
 * {@link REDIS_SAFETY_REFRESH_MS}: while unsafe, `/readyz` fails and submits answer 503
 * naming the setting, unless `ALLOW_UNSAFE_REDIS`. Admission by memory: while used memory
 * is at or above `REDIS_MEMORY_ADMISSION_RATIO` x maxmemory, submits answer 503 with
 * Retry-After before anything is written (never a 202 for a job that cannot be stored).
 * Exports `tts_redis_unsafe_settings` (1 while unsafe) and `tts_redis_memory_used_ratio`.
 */
export class RedisSafety {
  private reading: RedisSafetyReading = {};
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { config: Pick<ApiConfig, "ALLOW_UNSAFE_REDIS" | "REDIS_MEMORY_ADMISSION_RATIO">; logger: Logger; registry?: Registry },
  ) {
    // Arrow functions: prom-client calls collect() with the gauge as `this`.
    const known = () => this.reading.policy !== undefined;
    const unsafe = () => this.unsafeSetting() !== null;
    const ratio = () => this.memoryRatio();
    if (opts.registry) {
      new Gauge({
        name: METRIC.redisUnsafeSettings,
        help: "1 while Redis' maxmemory-policy is not noeviction (it may evict queued jobs, results and audio), else 0; absent while unknown.",
        registers: [opts.registry],
        collect() {
          this.reset();
          if (known()) this.set(unsafe() ? 1 : 0);
        },
      });
      new Gauge({
        name: METRIC.redisMemoryUsedRatio,
        help: "Redis used_memory / maxmemory (0-1); absent when maxmemory is 0 (no limit) or unknown.",
        registers: [opts.registry],
        collect() {
          this.reset();
          const value = ratio();
          if (value !== null) this.set(value);
        },
      });
    }
  }

  /** Reads now, on every (re)connect, and every {@link REDIS_SAFETY_REFRESH_MS}. */
  start(): this {
    this.redis.on("ready", () => void this.refresh());
    if (this.redis.status === "ready") void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REDIS_SAFETY_REFRESH_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One reading of the policy, maxmemory and used memory; never throws (a failed read keeps the last one). */
  async refresh(): Promise<RedisSafetyReading> {
    if (this.redis.status !== "ready") return this.reading;
    const config = async (name: string) => {
      const reply = await this.redis.call("CONFIG", "GET", name).catch(() => null);
      return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
    };
    const [policy, maxmemory, info] = await Promise.all([config("maxmemory-policy"), config("maxmemory"), this.redis.info("memory").catch(() => "")]);
    const used = /^used_memory:(\d+)/m.exec(info)?.[1];
    this.reading = {
      ...(policy !== undefined ? { policy } : {}),
      ...(maxmemory !== undefined ? { maxmemoryBytes: Number(maxmemory) } : {}),
      ...(used !== undefined ? { usedMemoryBytes: Number(used) } : {}),
    };
    const problem = this.unsafeSetting();
    if (problem !== this.lastProblem) {
      if (problem) this.opts.logger.error({ redis_settings: this.reading, allow_unsafe_redis: this.opts.config.ALLOW_UNSAFE_REDIS }, problem);
      else this.opts.logger.info({ redis_settings: this.reading }, "Redis maxmemory-policy is noeviction: safe for the queue");
      this.lastProblem = problem;
    }
    return this.reading;
  }

  /** The last reading. */
  get current(): RedisSafetyReading {
    return this.reading;
  }

  /** The unsafe setting, as a message; null when safe or unknown. */
  unsafeSetting(): string | null {
    const policy = this.reading.policy;
    if (policy === undefined || policy === "noeviction") return null;
    return `Redis maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis would evict queued jobs, results and audio`;
  }

  /** used_memory / maxmemory, or null when there is no limit or no reading. */
  memoryRatio(): number | null {
    const { maxmemoryBytes: max, usedMemoryBytes: used } = this.reading;
    return max && used !== undefined ? used / max : null;
  }

  /** Why `/readyz` must fail (unsafe settings without the override), or null. */
  readinessProblem(): string | null {
    const unsafe = this.unsafeSetting();
    return unsafe && !this.opts.config.ALLOW_UNSAFE_REDIS ? `${unsafe} (set it to noeviction; ALLOW_UNSAFE_REDIS=true only for development)` : null;
  }

  /**
   * Throws a 503 (`service_unavailable`, Retry-After) when a submit must not be accepted:
   * unsafe settings (unless overridden), or Redis memory at or above the admission ratio.
   */
  assertAdmissible(): void {
    const problem = this.readinessProblem();
    if (problem) throw serviceUnavailable(`not accepting jobs: ${problem}`);
    const ratio = this.memoryRatio();
    const limit = this.opts.config.REDIS_MEMORY_ADMISSION_RATIO;
    if (ratio !== null && ratio >= limit) {
      throw serviceUnavailable(
        `not accepting jobs: Redis memory is ${Math.round(ratio * 100)} % of maxmemory (${this.reading.maxmemoryBytes} bytes), at or above REDIS_MEMORY_ADMISSION_RATIO (${limit}); retry later`,
      );
    }
  }
}
