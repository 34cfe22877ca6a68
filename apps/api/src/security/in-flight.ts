import type { Redis } from "ioredis";
import { jobsInFlightKey } from "@voxqueue/contracts";

/** A reserved job whose BullMQ hash does not exist yet is kept this long (its submit is still adding it), ms. */
export const UNADDED_GRACE_MS = 60_000;

/**
 * Reserves a place if the set holds fewer than `ARGV[1]` members: adds `ARGV[3]` with
 * score `ARGV[2]`, refreshes the TTL `ARGV[4]` and returns -1; else returns the count.
 * One script, so two replicas cannot both take the last place.
 */
const RESERVE = `
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[1]) then return count end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return -1`;

/**
 * The per-API-key cap on jobs in flight (queued or active). Each key has a Redis sorted
 * set of the BullMQ job keys it submitted; a reservation first drops the jobs that have
 * finished (`finishedOn` set: completed or failed for good) or are gone, then takes a
 * place atomically. No worker has to report back, so a crashed worker or API replica
 * cannot leak places: a job counts exactly while its hash says it is unfinished.
 */
export class JobsInFlight {
  constructor(
    private readonly redis: Redis,
    /** Places per key. */
    readonly cap: number,
    /** TTL of a key's set, seconds, refreshed on each reservation (at least the longest a job can stay in flight). */
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Takes a place for `jobKey` (the job's BullMQ hash key) in `owner`'s set.
   * @returns null when reserved, else the number of jobs in flight (the cap is reached)
   */
  async reserve(owner: string, jobKey: string, now = Date.now()): Promise<number | null> {
    const key = jobsInFlightKey(owner);
    await this.prune(key, now);
    const result = (await this.redis.eval(RESERVE, 1, key, this.cap, now, jobKey, this.ttlSeconds)) as number;
    return result < 0 ? null : result;
  }

  /** Drops the members whose jobs finished, and those whose hash is gone past {@link UNADDED_GRACE_MS}. */
  private async prune(key: string, now: number): Promise<void> {
    const members = await this.redis.zrange(key, 0, -1, "WITHSCORES");
    if (members.length === 0) return;
    const pipeline = this.redis.pipeline();
    const entries: { jobKey: string; reservedAt: number }[] = [];
    for (let i = 0; i < members.length; i += 2) {
      const jobKey = members[i] as string;
      entries.push({ jobKey, reservedAt: Number(members[i + 1]) });
      pipeline.hmget(jobKey, "timestamp", "finishedOn");
    }
    const replies = (await pipeline.exec()) ?? [];
    const done = entries.filter(({ reservedAt }, i) => {
      const [err, fields] = replies[i] ?? [null, null];
      if (err) return false;
      const [timestamp, finishedOn] = fields as [string | null, string | null];
      return finishedOn !== null || (timestamp === null && now - reservedAt > UNADDED_GRACE_MS);
    });
    if (done.length > 0) await this.redis.zrem(key, ...done.map((d) => d.jobKey));
  }
}
