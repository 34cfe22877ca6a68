/**
 * Voice pools: which queue a voice's jobs go to, and how a job id names its queue.
 *
 * A pool is a named set of voices whose jobs share one BullMQ queue, consumed only by
 * workers that host every voice of the pool. Voices no pool lists belong to the default
 * pool, whose queue is the configured base queue (`QUEUE_NAME`): without pools nothing
 * changes, neither queue names nor job ids.
 */

/** A named set of voices whose jobs share one queue. */
export interface VoicePool {
  /** Lower-case letters, digits and `-`, 1–30 characters, starting and ending with a letter or digit (it names Kubernetes objects too). */
  name: string;
  /** Voice ids (file stems of `NAME.onnx`), each in one pool only. */
  voices: string[];
}

/** Name of the pool of every voice no {@link VoicePool} lists; its queue is the base queue. */
export const DEFAULT_POOL = "default";

/** A pool name: a DNS label short enough to suffix Kubernetes names with. */
const POOL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$/;

/** A voice id in a pool list: Piper's file stems (`en_US-lessac-medium`), nothing that separates the list. */
const VOICE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** Names a pool may not take: the default pool's, and the webhook queue's suffix (`<QUEUE_NAME>-webhooks`). */
const RESERVED_POOL_NAMES = new Set([DEFAULT_POOL, "webhooks"]);

/** Thrown by {@link parseVoicePools}; the message says what is wrong and where. */
export class VoicePoolsError extends Error {
  override readonly name = "VoicePoolsError";
}

/**
 * Reads the `VOICE_POOLS` setting: `POOL=VOICE,VOICE;POOL=VOICE` (spaces around names
 * are ignored; an empty text is no pools).
 * @throws VoicePoolsError for a malformed entry, an invalid or reserved pool name, a pool
 *   without voices, a pool named twice, or a voice in two pools
 */
export function parseVoicePools(text: string): VoicePool[] {
  const pools: VoicePool[] = [];
  const poolOf = new Map<string, string>();
  for (const entry of text
    .split(";")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new VoicePoolsError(`"${entry}" is not POOL=VOICE,VOICE`);
    const name = entry.slice(0, eq).trim();
    if (!POOL_NAME.test(name))
      throw new VoicePoolsError(`pool name "${name}" must be 1-30 lower-case letters, digits or -, starting and ending with a letter or digit`);
    if (RESERVED_POOL_NAMES.has(name)) throw new VoicePoolsError(`pool name "${name}" is reserved (voices no pool lists are in the default pool)`);
    // Its queue `<QUEUE_NAME>-pool-<name>` would read as a batch lane's queue (`laneOfQueue`).
    if (name === "batch" || name.endsWith("-batch"))
      throw new VoicePoolsError(`pool name "${name}" is reserved: a name ending in batch marks a priority lane's queue`);
    if (pools.some((p) => p.name === name)) throw new VoicePoolsError(`pool "${name}" is named twice`);
    const voices = entry
      .slice(eq + 1)
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    if (voices.length === 0) throw new VoicePoolsError(`pool "${name}" lists no voice`);
    for (const voice of voices) {
      if (!VOICE_ID.test(voice)) throw new VoicePoolsError(`pool "${name}": "${voice}" is not a voice id`);
      const other = poolOf.get(voice);
      if (other !== undefined) throw new VoicePoolsError(`voice "${voice}" is in pools "${other}" and "${name}"; a voice belongs to one pool`);
      poolOf.set(voice, name);
    }
    pools.push({ name, voices: [...new Set(voices)] });
  }
  return pools;
}

/** `pools` as the `VOICE_POOLS` setting writes them (the inverse of {@link parseVoicePools}). */
export function formatVoicePools(pools: readonly VoicePool[]): string {
  return pools.map((p) => `${p.name}=${p.voices.join(",")}`).join(";");
}

/** The pool voice `voiceId` belongs to: the one that lists it, else {@link DEFAULT_POOL}. */
export function poolOfVoice(voiceId: string, pools: readonly VoicePool[]): string {
  return pools.find((p) => p.voices.includes(voiceId))?.name ?? DEFAULT_POOL;
}

/**
 * The BullMQ queue of pool `pool`: the base queue for the default pool, else
 * `<baseQueue>-pool-<pool>` (BullMQ names may not contain `:`; `-pool-` keeps them apart
 * from the base queue's other companions, such as `<baseQueue>-webhooks`).
 */
export function poolQueueName(baseQueue: string, pool: string): string {
  return pool === DEFAULT_POOL ? baseQueue : `${baseQueue}-pool-${pool}`;
}

/** Every pool's queue: the base queue first, then each listed pool's in list order. */
export function poolQueueNames(baseQueue: string, pools: readonly VoicePool[]): string[] {
  return [baseQueue, ...pools.map((p) => poolQueueName(baseQueue, p.name))];
}

/** A job id: `<uuid>` in the default pool, `<pool>.<uuid>` in another. */
const JOB_ID = /^(?:([a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?)\.)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/**
 * The id of a job of pool `pool`: `uuid` itself in the default pool (ids of a deployment
 * without pools stay plain UUIDs), else `<pool>.<uuid>`, so the id alone names the queue.
 */
export function poolJobId(pool: string, uuid: string): string {
  return pool === DEFAULT_POOL ? uuid : `${pool}.${uuid}`;
}

/**
 * The pool a job id names ({@link poolJobId}'s inverse), or null when `id` cannot be one
 * of ours (neither a UUID nor `<pool>.<uuid>`). The pool need not be configured.
 */
export function poolOfJobId(id: string): string | null {
  const match = JOB_ID.exec(id);
  if (!match || match[1] === DEFAULT_POOL) return null;
  return match[1] ?? DEFAULT_POOL;
}
