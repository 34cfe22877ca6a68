import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { audioKey, audioPartialKey } from "@voxqueue/contracts";

/** One attempt's audio being written piece by piece ({@link AudioStore.open}). */
export interface AudioPieces {
  readonly jobId: string;
  /** The Redis list the pieces go to until {@link AudioStore.commit}. */
  readonly partialKey: string;
  /** Bytes appended so far. */
  bytes: number;
}

/**
 * Stores finished audio in Redis under `voxqueue:audio:<jobId>` with a TTL, as a list
 * of byte pieces: a worker appends each sentence as it is synthesized (never one
 * buffer of the whole job), then {@link commit} puts the header in front and renames
 * the attempt's list to the audio key in one transaction. Readers see either no audio
 * or all of it. A job processed twice (a stalled job taken over) writes two lists and
 * the last commit wins whole; an attempt that dies leaves its list to expire.
 */
export class AudioStore {
  constructor(
    private readonly redis: Redis,
    /** Time to live of stored audio, seconds. */
    private readonly ttlSeconds: number,
  ) {}

  /** Starts one attempt's audio for `jobId` (nothing is written yet). */
  open(jobId: string): AudioPieces {
    return { jobId, partialKey: audioPartialKey(jobId, randomUUID()), bytes: 0 };
  }

  /**
   * Appends `chunks` (in order) to the attempt's list, which expires with the audio TTL
   * if the attempt never commits.
   * @throws whatever ioredis throws when Redis is unreachable (callers classify it as `storage_error`)
   */
  async append(pieces: AudioPieces, chunks: readonly Buffer[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.redis
      .multi()
      .rpush(pieces.partialKey, ...chunks)
      .expire(pieces.partialKey, this.ttlSeconds)
      .exec()
      .then(failedReply);
    for (const c of chunks) pieces.bytes += c.length;
  }

  /**
   * Puts `head` (the WAV header) in front of the attempt's pieces and makes them the
   * job's audio, replacing any earlier copy, with the TTL; returns the audio key.
   * @throws whatever ioredis throws when Redis is unreachable
   */
  async commit(pieces: AudioPieces, head: Buffer): Promise<string> {
    const key = audioKey(pieces.jobId);
    await this.redis.multi().lpush(pieces.partialKey, head).rename(pieces.partialKey, key).expire(key, this.ttlSeconds).exec().then(failedReply);
    pieces.bytes += head.length;
    return key;
  }

  /** Drops an attempt's pieces (it failed); best effort, they expire anyway. */
  async discard(pieces: AudioPieces): Promise<void> {
    await this.redis.del(pieces.partialKey).catch(() => undefined);
  }

  /**
   * Saves `wav` for `jobId` in one piece, replacing any earlier copy, and returns its key.
   * @throws whatever ioredis throws when Redis is unreachable (callers classify it as `storage_error`)
   */
  async put(jobId: string, wav: Buffer): Promise<string> {
    return this.commit(this.open(jobId), wav);
  }

  /** The audio bytes for `jobId`, or null when none is stored (never written, or expired). */
  async get(jobId: string): Promise<Buffer | null> {
    const key = audioKey(jobId);
    let pieces: Buffer[];
    try {
      pieces = await this.redis.lrangeBuffer(key, 0, -1);
    } catch (err) {
      // Audio written in one string value before pieces existed (a rolling upgrade).
      if (err instanceof Error && err.message.startsWith("WRONGTYPE")) return this.redis.getBuffer(key);
      throw err;
    }
    return pieces.length === 0 ? null : Buffer.concat(pieces);
  }

  /**
   * The pieces of `jobId`'s audio (the WAV header first), `batch` pieces per Redis read and
   * per yield, so that a caller never holds the whole audio (a long-form job's can be hours).
   * Yields nothing when none is stored; audio stored as one string comes as one batch.
   * @throws whatever ioredis throws when Redis is unreachable
   */
  async *pieceBatches(jobId: string, batch = PIECES_PER_READ): AsyncGenerator<Buffer[]> {
    const key = audioKey(jobId);
    for (let start = 0; ; start += batch) {
      let got: Buffer[];
      try {
        got = await this.redis.lrangeBuffer(key, start, start + batch - 1);
      } catch (err) {
        // Audio written in one string value before pieces existed (a rolling upgrade).
        if (start === 0 && err instanceof Error && err.message.startsWith("WRONGTYPE")) {
          const whole = await this.redis.getBuffer(key);
          if (whole) yield [whole];
          return;
        }
        throw err;
      }
      if (got.length > 0) yield got;
      if (got.length < batch) return;
    }
  }

  /**
   * Appends the PCM of `fromJobId`'s stored WAV (its pieces after the header) to `pieces`,
   * a batch at a time: the audio goes from one Redis list to the other without ever being
   * whole here. Returns the PCM bytes copied, or null when `fromJobId` has no audio (expired).
   * @throws whatever ioredis throws when Redis is unreachable
   */
  async appendPcmOf(fromJobId: string, pieces: AudioPieces): Promise<number | null> {
    let copied: number | null = null;
    let header = true;
    for await (const batch of this.pieceBatches(fromJobId)) {
      const pcm = header ? batch.slice(1) : batch;
      header = false;
      copied ??= 0;
      await this.append(pieces, pcm);
      for (const p of pcm) copied += p.length;
    }
    return copied;
  }

  /** Deletes `jobId`'s audio (the parts of a stitched long-form job); best effort, it expires anyway. */
  async remove(jobId: string): Promise<void> {
    await this.redis.del(audioKey(jobId)).catch(() => undefined);
  }

  /** Seconds until the audio expires; null when there is none. */
  async ttl(jobId: string): Promise<number | null> {
    const t = await this.redis.ttl(audioKey(jobId));
    return t < 0 ? null : t;
  }
}

/** Pieces read per Redis round trip by {@link AudioStore.pieceBatches} (a piece is one sentence or its silence). */
const PIECES_PER_READ = 32;

/** Throws the first error of a MULTI's replies (ioredis resolves EXEC with per-command errors). */
function failedReply(replies: [Error | null, unknown][] | null): void {
  if (!replies) throw new Error("Redis transaction aborted");
  for (const [err] of replies) if (err) throw err;
}

export { AudioCache, type CacheAnswerTarget, type CachedAudio, type CachedResult } from "./audio-cache.js";
