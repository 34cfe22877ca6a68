import type { Redis } from "ioredis";
import { AUDIO_CACHE_KEYS, type SynthJobResult } from "@voxqueue/contracts";

/** What a cache entry keeps besides the audio: the first job's result, less its own audio key. */
export type CachedResult = Omit<SynthJobResult, "audio_key">;

/** One cache entry: the WAV bytes and the result they came with. */
export interface CachedAudio {
  wav: Buffer;
  result: CachedResult;
}

/**
 * Stores an entry and evicts what must go, in one step: entries older than the TTL
 * (their keys have expired; their bytes are uncounted here), then the oldest while the
 * cache holds more than its bound (in put order, also within one millisecond). All keys share the `{audio-cache}` hash tag.
 * KEYS: audio, result, index, sizes, bytes. ARGV: hash, wav, result, ttl s, max bytes,
 * now ms, audio key prefix, result key prefix. Returns 1 (stored) or 0 (larger than the bound).
 */
const PUT_SCRIPT = `
local size = string.len(ARGV[2])
local maxBytes = tonumber(ARGV[5])
if size > maxBytes then return 0 end
local function drop(h)
  local s = redis.call('HGET', KEYS[4], h)
  if s then redis.call('DECRBY', KEYS[5], s) end
  redis.call('HDEL', KEYS[4], h)
  redis.call('ZREM', KEYS[3], h)
  redis.call('DEL', ARGV[7] .. h, ARGV[8] .. h)
end
drop(ARGV[1])
local ttl = tonumber(ARGV[4])
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[6]) - ttl * 1000)) do drop(h) end
while tonumber(redis.call('GET', KEYS[5]) or '0') + size > maxBytes do
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)
  if #oldest == 0 then break end
  drop(oldest[1])
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
redis.call('SET', KEYS[2], ARGV[3], 'EX', ttl)
-- Scores are put times in ms, kept strictly increasing so that entries put within one
-- millisecond still leave oldest first (equal scores would order by hash).
local score = tonumber(ARGV[6])
local newest = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
if #newest == 2 and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[3], score, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], size)
redis.call('INCRBY', KEYS[5], size)
return 1
`;

/**
 * Answers a request from entry KEYS[1] (audio), KEYS[2] (result) in one step, without the
 * audio leaving Redis: the WAV becomes the job's audio KEYS[3] (a list of one piece, as
 * `AudioStore` keeps audio) for ARGV[1] s, and KEYS[4] gets the job's record, ARGV[2] ..
 * result .. "}", for ARGV[3] s. Returns the result JSON, or false (no entry: nothing written).
 */
const ANSWER_SCRIPT = `
local wav = redis.call('GET', KEYS[1])
local result = redis.call('GET', KEYS[2])
if not wav or not result then return false end
redis.call('DEL', KEYS[3])
redis.call('RPUSH', KEYS[3], wav)
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[2] .. result .. '}', 'EX', ARGV[3])
return result
`;

/** Where {@link AudioCache.answer} puts a hit: the job's audio, and a JSON record that ends with the entry's result. */
export interface CacheAnswerTarget {
  /** The job's audio key (`audioKey(id)`), written as `AudioStore` writes audio. */
  audioKey: string;
  audioTtlSeconds: number;
  /** Key of the job's record. */
  recordKey: string;
  /** The record's JSON up to its last field's value: `{..., "result":` (the entry's result and `}` follow). */
  recordHead: string;
  recordTtlSeconds: number;
}

/**
 * The audio cache of repeated requests, in Redis: entries keyed by
 * `audioCacheKey(job data)` (a hash of what determines the audio), each kept
 * `ttlSeconds`, all of them together at most `maxBytes` (oldest evicted first). The
 * worker stores each job's audio; the API answers a repeated request from it.
 */
export class AudioCache {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { maxBytes: number; ttlSeconds: number },
  ) {}

  /** False when the cache is turned off (`maxBytes` 0). */
  get enabled(): boolean {
    return this.opts.maxBytes > 0;
  }

  /**
   * Stores `wav` and its result under `hash` (replacing an earlier entry), evicting as needed.
   * @returns false when the entry alone is larger than the bound (not stored)
   * @throws what ioredis throws when Redis fails
   */
  async put(hash: string, wav: Buffer, result: CachedResult): Promise<boolean> {
    if (!this.enabled) return false;
    const k = AUDIO_CACHE_KEYS;
    const stored = await this.redis.eval(
      PUT_SCRIPT,
      5,
      k.audio(hash),
      k.result(hash),
      k.index,
      k.sizes,
      k.bytes,
      hash,
      wav,
      JSON.stringify(result),
      this.opts.ttlSeconds,
      this.opts.maxBytes,
      Date.now(),
      k.audio(""),
      k.result(""),
    );
    return stored === 1;
  }

  /** The entry of `hash`, or null (never stored, expired or evicted). @throws what ioredis throws */
  async get(hash: string): Promise<CachedAudio | null> {
    if (!this.enabled) return null;
    const [result, wav] = await Promise.all([this.redis.get(AUDIO_CACHE_KEYS.result(hash)), this.redis.getBuffer(AUDIO_CACHE_KEYS.audio(hash))]);
    if (result === null || wav === null) return null;
    return { wav, result: JSON.parse(result) as CachedResult };
  }

  /**
   * Answers a request from entry `hash`: copies its WAV to `target.audioKey` and writes the
   * job's record, in one round trip with no audio crossing the network (a Lua script).
   * On Redis Cluster (the job's keys and the cache's are in different slots) it reads the
   * entry and writes the copies itself, two round trips.
   * @returns the entry's result, or null on a miss (nothing written)
   * @throws what ioredis throws when Redis fails
   */
  async answer(hash: string, target: CacheAnswerTarget): Promise<CachedResult | null> {
    if (!this.enabled) return null;
    const k = AUDIO_CACHE_KEYS;
    if (!(this.redis as { isCluster?: boolean }).isCluster) {
      const raw = (await this.redis.eval(
        ANSWER_SCRIPT,
        4,
        k.audio(hash),
        k.result(hash),
        target.audioKey,
        target.recordKey,
        target.audioTtlSeconds,
        target.recordHead,
        target.recordTtlSeconds,
      )) as string | null;
      return raw === null ? null : (JSON.parse(raw) as CachedResult);
    }
    const entry = await this.get(hash);
    if (!entry) return null;
    await Promise.all([
      this.redis.multi().del(target.audioKey).rpush(target.audioKey, entry.wav).expire(target.audioKey, target.audioTtlSeconds).exec(),
      this.redis.set(target.recordKey, `${target.recordHead}${JSON.stringify(entry.result)}}`, "EX", target.recordTtlSeconds),
    ]);
    return entry.result;
  }

  /** Bytes the entries hold now (expired ones are uncounted at the next store). */
  async bytes(): Promise<number> {
    return Number((await this.redis.get(AUDIO_CACHE_KEYS.bytes)) ?? 0);
  }
}
