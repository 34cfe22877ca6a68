import type { Redis } from "ioredis";
import { VOICE_CATALOG_KEY, WORKER_HEARTBEATS_KEY, voiceInfoSchema, type VoiceInfo } from "@voxqueue/contracts";

/**
 * What the fleet of workers tells the API through Redis: which voices are installed
 * (a hash, voice id → {@link VoiceInfo} JSON) and which workers are alive (a sorted
 * set, worker id → last heartbeat in ms). The API validates requests against the
 * catalog and its `/readyz` needs a recent heartbeat.
 */
export class FleetRegistry {
  constructor(private readonly redis: Redis) {}

  /** Adds or replaces these voices in the catalog (workers call it at start). */
  async publishVoices(voices: readonly VoiceInfo[]): Promise<void> {
    if (voices.length === 0) return;
    await this.redis.hset(VOICE_CATALOG_KEY, Object.fromEntries(voices.map((v) => [v.id, JSON.stringify(v)])));
  }

  /** Every voice any worker has published, sorted by id; malformed entries are skipped. */
  async voices(): Promise<VoiceInfo[]> {
    const raw = await this.redis.hgetall(VOICE_CATALOG_KEY);
    const voices: VoiceInfo[] = [];
    for (const json of Object.values(raw)) {
      const parsed = voiceInfoSchema.safeParse(safeJson(json));
      if (parsed.success) voices.push(parsed.data);
    }
    return voices.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Records that `workerId` is alive now; also drops entries older than an hour. */
  async heartbeat(workerId: string, now = Date.now()): Promise<void> {
    await this.redis.multi().zadd(WORKER_HEARTBEATS_KEY, now, workerId).zremrangebyscore(WORKER_HEARTBEATS_KEY, 0, now - 3_600_000).exec();
  }

  /** Removes `workerId` (clean shutdown). */
  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(WORKER_HEARTBEATS_KEY, workerId);
  }

  /** Ids of workers whose last heartbeat is younger than `staleMs`. */
  async liveWorkers(staleMs: number, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(WORKER_HEARTBEATS_KEY, now - staleMs, "+inf");
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
