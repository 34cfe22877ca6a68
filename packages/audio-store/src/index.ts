import type { Redis } from "ioredis";
import { audioKey } from "@voxqueue/contracts";

/**
 * Stores finished audio (WAV bytes) in Redis under `voxqueue:audio:<jobId>` with a TTL.
 * Writes are idempotent: a job processed twice overwrites the same key with the same
 * bytes, so one result is stored.
 */
export class AudioStore {
  constructor(
    private readonly redis: Redis,
    /** Time to live of stored audio, seconds. */
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Saves `wav` for `jobId`, replacing any earlier copy, and returns its key.
   * @throws whatever ioredis throws when Redis is unreachable (callers classify it as `storage_error`)
   */
  async put(jobId: string, wav: Buffer): Promise<string> {
    const key = audioKey(jobId);
    await this.redis.set(key, wav, "EX", this.ttlSeconds);
    return key;
  }

  /** The WAV bytes for `jobId`, or null when none is stored (never written, or expired). */
  async get(jobId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(audioKey(jobId));
  }

  /** Seconds until the audio expires; null when there is none. */
  async ttl(jobId: string): Promise<number | null> {
    const t = await this.redis.ttl(audioKey(jobId));
    return t < 0 ? null : t;
  }
}
export { AudioCache, type CachedAudio, type CachedResult } from "./audio-cache.js";
