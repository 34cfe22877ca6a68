import type { Redis } from "ioredis";
import { WORKERS_LEFT_KEY, WORKER_HEARTBEATS_KEY, voiceInfoSchema, workerVoicesKey, type VoiceInfo } from "@voxqueue/contracts";

/** Heartbeats and voice lists older than this are dropped from Redis, ms. */
const FORGET_AFTER_MS = 3_600_000;

/**
 * What the fleet of workers tells the API through Redis: which workers are alive (a
 * sorted set, worker id → last heartbeat in ms) and which voices each one serves (one
 * JSON key per worker). The catalog the API validates requests against is the union of
 * the voices of workers seen recently, so a voice disappears with the last worker that
 * served it: at once when that worker leaves cleanly, after the API's catalog window
 * when it dies. While no worker at all is live (scaled to zero, a full restart), the
 * voices of the workers of the last hour stand in, so jobs still queue. `/readyz`
 * needs a recent heartbeat. Each call sends single-key commands (no MULTI, no MGET):
 * the per-worker keys hash to different Redis Cluster slots.
 */
export class FleetRegistry {
  constructor(private readonly redis: Redis) {}

  /** Records the voices `workerId` serves, then a heartbeat (workers call it at start). */
  async publishVoices(workerId: string, voices: readonly VoiceInfo[], now = Date.now()): Promise<void> {
    // The voices first: a heartbeat must not announce a worker whose voices are not written yet.
    await this.redis.set(workerVoicesKey(workerId), JSON.stringify(voices), "PX", FORGET_AFTER_MS);
    await Promise.all([this.redis.zadd(WORKER_HEARTBEATS_KEY, now, workerId), this.redis.zrem(WORKERS_LEFT_KEY, workerId)]);
  }

  /**
   * The voices of workers whose last heartbeat is younger than `maxAgeMs`, or, when there
   * is none, of every worker seen or stopped in the last hour; one entry per voice id
   * (the first worker's description wins), sorted by id in code-point order; malformed
   * entries are skipped.
   */
  async voices(maxAgeMs: number, now = Date.now()): Promise<VoiceInfo[]> {
    let workers = await this.liveWorkers(maxAgeMs, now);
    if (workers.length === 0) {
      const since = now - FORGET_AFTER_MS;
      const [seen, left] = await Promise.all([this.liveWorkers(FORGET_AFTER_MS, now), this.redis.zrangebyscore(WORKERS_LEFT_KEY, since, "+inf")]);
      workers = [...new Set([...seen, ...left])];
    }
    if (workers.length === 0) return [];
    const lists = await Promise.all(workers.map((w) => this.redis.get(workerVoicesKey(w))));
    const byId = new Map<string, VoiceInfo>();
    for (const json of lists) {
      const parsed = voiceInfoSchema.array().safeParse(safeJson(json));
      if (!parsed.success) continue;
      for (const voice of parsed.data) if (!byId.has(voice.id)) byId.set(voice.id, voice);
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Records that `workerId` is alive now, keeps its voice list, drops workers silent for an hour. */
  async heartbeat(workerId: string, now = Date.now()): Promise<void> {
    await Promise.all([
      this.redis.zadd(WORKER_HEARTBEATS_KEY, now, workerId),
      this.redis.pexpire(workerVoicesKey(workerId), FORGET_AFTER_MS),
      this.redis.zremrangebyscore(WORKER_HEARTBEATS_KEY, 0, now - FORGET_AFTER_MS),
    ]);
  }

  /** Marks `workerId` as stopped (clean shutdown): no longer live, its voices kept for the no-worker fallback. */
  async leave(workerId: string, now = Date.now()): Promise<void> {
    await Promise.all([
      this.redis.zrem(WORKER_HEARTBEATS_KEY, workerId),
      this.redis.zadd(WORKERS_LEFT_KEY, now, workerId),
      this.redis.zremrangebyscore(WORKERS_LEFT_KEY, 0, now - FORGET_AFTER_MS),
      this.redis.pexpire(workerVoicesKey(workerId), FORGET_AFTER_MS),
    ]);
  }

  /** Ids of workers whose last heartbeat is younger than `staleMs`. */
  async liveWorkers(staleMs: number, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(WORKER_HEARTBEATS_KEY, now - staleMs, "+inf");
  }
}

function safeJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
