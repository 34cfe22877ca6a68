import { DEFAULT_POOL, poolOfVoice, poolQueueName, type VoicePool } from "@voxqueue/contracts";

/** A synthesis queue a worker consumes. */
export interface ConsumedQueue {
  /** The voice pool (`VOICE_POOLS`; {@link DEFAULT_POOL} for the base queue). */
  pool: string;
  /** Its BullMQ queue name (`poolQueueName`). */
  queue: string;
}

/** Thrown by {@link consumedQueues} when the worker could consume nothing, or WORKER_POOLS names an unknown pool. */
export class WorkerPoolsError extends Error {
  override readonly name = "WorkerPoolsError";
}

/** What decides a worker's queues. */
export interface WorkerQueueSettings {
  /** `QUEUE_NAME`: the default pool's queue. */
  baseQueue: string;
  /** `VOICE_POOLS`. */
  pools: readonly VoicePool[];
  /** Ids of the voices the worker loaded (VOICES_DIR, narrowed by WORKER_VOICES). */
  hostedVoices: readonly string[];
  /** `WORKER_POOLS`: the pools to consume, whatever the voices; unset: derived from the voices. */
  workerPools?: readonly string[] | undefined;
}

/**
 * The queues a synthesis worker consumes, one BullMQ Worker each (the one place that
 * lists them; priority lanes extend it). With WORKER_POOLS: those pools (`default` is
 * the base queue). Without: every pool whose voices the worker hosts all of (so any job
 * of the pool can run here), and the default pool when it hosts a voice no pool lists.
 * @throws WorkerPoolsError when WORKER_POOLS names a pool VOICE_POOLS does not list, or the worker would consume no queue
 */
export function consumedQueues(settings: WorkerQueueSettings): ConsumedQueue[] {
  const { baseQueue, pools, hostedVoices } = settings;
  const hosted = new Set(hostedVoices);
  let names: string[];
  if (settings.workerPools) {
    const known = new Set([DEFAULT_POOL, ...pools.map((p) => p.name)]);
    const unknown = settings.workerPools.filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new WorkerPoolsError(`WORKER_POOLS names ${unknown.join(", ")}, which VOICE_POOLS does not list (pools: ${[...known].join(", ")})`);
    names = [...settings.workerPools];
  } else {
    names = [
      ...(hostedVoices.some((v) => poolOfVoice(v, pools) === DEFAULT_POOL) ? [DEFAULT_POOL] : []),
      ...pools.filter((p) => p.voices.every((v) => hosted.has(v))).map((p) => p.name),
    ];
  }
  if (names.length === 0) {
    throw new WorkerPoolsError(
      `this worker consumes no queue: it hosts ${hostedVoices.join(", ") || "no voice"}, and no pool of VOICE_POOLS has all its voices here (set WORKER_VOICES, VOICES_DIR or WORKER_POOLS)`,
    );
  }
  return names.map((pool) => ({ pool, queue: poolQueueName(baseQueue, pool) }));
}

/**
 * The voices of `hostedVoices` whose pool is among `queues`: what the worker publishes to
 * the voice catalog. A voice whose queue no worker consumes must not be accepted by the API.
 */
export function servedVoices(hostedVoices: readonly string[], pools: readonly VoicePool[], queues: readonly ConsumedQueue[]): string[] {
  const consumed = new Set(queues.map((q) => q.pool));
  return hostedVoices.filter((v) => consumed.has(poolOfVoice(v, pools)));
}

/** Per consumed pool, its voices this worker does not host (WORKER_POOLS can name such a pool: their jobs fail here). */
export function unhostedPoolVoices(hostedVoices: readonly string[], pools: readonly VoicePool[], queues: readonly ConsumedQueue[]): Map<string, string[]> {
  const hosted = new Set(hostedVoices);
  const missing = new Map<string, string[]>();
  for (const { pool } of queues) {
    const lacking = pools.find((p) => p.name === pool)?.voices.filter((v) => !hosted.has(v)) ?? [];
    if (lacking.length > 0) missing.set(pool, lacking);
  }
  return missing;
}
