import { readFile } from "node:fs/promises";
import type { Redis } from "ioredis";

/** Resident set size of process `pid`, bytes (Linux `/proc/<pid>/status`); null once it has exited. */
export async function rssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Redis memory (`used_memory`, bytes) and key count of the connection's database. */
export async function redisStats(redis: Redis): Promise<{ usedMemoryBytes: number; keys: number }> {
  const [info, keys] = await Promise.all([redis.info("memory"), redis.dbsize()]);
  const used = /^used_memory:(\d+)/m.exec(info)?.[1];
  return { usedMemoryBytes: Number(used ?? NaN), keys };
}

/** One sample of {@link Sampler}. */
export interface Sample {
  /** Seconds since the sampler started. */
  t: number;
  /** RSS of each sampled process, bytes (null when it is not running). */
  rss: (number | null)[];
  usedMemoryBytes: number;
  keys: number;
}

/**
 * Samples process RSS and Redis memory and keys every `everyMs` until stopped; keeps
 * every sample and the peaks. `pids` is read at each sample, so restarted processes
 * are followed. A sample whose Redis read fails (Redis restarting) is skipped.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();

  constructor(
    private readonly redis: Redis,
    private readonly pids: () => number[],
    private readonly everyMs = 500,
  ) {}

  start(): this {
    const tick = async () => {
      await this.sample().catch(() => undefined);
      if (this.timer) this.timer = setTimeout(tick, this.everyMs);
    };
    this.timer = setTimeout(tick, 0);
    return this;
  }

  async sample(): Promise<Sample> {
    const [rss, stats] = await Promise.all([Promise.all(this.pids().map(rssBytes)), redisStats(this.redis)]);
    const sample = { t: (performance.now() - this.t0) / 1000, rss, ...stats };
    this.samples.push(sample);
    return sample;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Largest RSS seen of the process at index `i` of `pids()`, bytes. */
  peakRss(i = 0): number {
    return Math.max(0, ...this.samples.map((s) => s.rss[i] ?? 0));
  }

  peakUsedMemory(): number {
    return Math.max(0, ...this.samples.map((s) => s.usedMemoryBytes));
  }

  peakKeys(): number {
    return Math.max(0, ...this.samples.map((s) => s.keys));
  }
}

/** `bytes` in MiB with one decimal, for reports. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
