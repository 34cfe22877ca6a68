import type { Response } from "express";
import type { Redis } from "ioredis";
import type { Job, Queue } from "bullmq";
import { LONGFORM_JOB_NAME, VoxqueueError, cachedJobKey, toJobView, type JobView, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { readWebhookView } from "@voxqueue/webhooks";
import { cachedJobView } from "./audio-cache-hit.js";
import { assertConnected, redisStep } from "./errors.js";
import { apiKeyOf } from "./security/caller.js";
import type { QueuePool, SynthQueue } from "./queues.js";
import type { AppDeps } from "./types.js";

/** What the readers need: the queues a job id may name, and the app's connection, logger and keys. */
type ReaderDeps = Pick<AppDeps, "redis" | "logger" | "keys"> & { queues: QueuePool };

/**
 * The queue job `id` is in: of its pool's (read from the id: `QueuePool.lanesOfJob`), the
 * first priority lane's queue that holds the job's hash (one EXISTS per lane, at once);
 * the interactive one when none does (the job is unknown or gone).
 * @throws VoxqueueError `not_found` for an id that cannot be ours (a UUID, or `<pool>.<uuid>` of a configured pool)
 */
export async function queueOfJob(redis: Redis, queues: QueuePool, id: string): Promise<SynthQueue> {
  const lanes = queues.lanesOfJob(id);
  if (!lanes) throw new VoxqueueError("not_found", "no such job (job ids are UUIDs, or <pool>.<uuid> for a voice pool)");
  const found = await redisStep("find job's lane", () => Promise.all(lanes.map((queue) => redis.exists(queue.toKey(id)))));
  return lanes[found.findIndex((n) => n > 0)] ?? lanes[0]!;
}

/**
 * The job `id` names, read from its pool's queue, as the caller of `res` may see it.
 * @throws VoxqueueError `not_found`: also for ids that are not ours and jobs of another API key; `service_unavailable` when Redis is away
 */
export async function readJob(deps: ReaderDeps, id: string, res: Response): Promise<Job<SynthJobData, SynthJobResult>> {
  assertConnected(deps.redis);
  return readJobIn(deps, await queueOfJob(deps.redis, deps.queues, id), id, res);
}

/** {@link readJob} from `queue`, the queue {@link queueOfJob} found the job in. */
async function readJobIn(deps: ReaderDeps, queue: SynthQueue, id: string, res: Response): Promise<Job<SynthJobData, SynthJobResult>> {
  const job = await redisStep("read job", () => queue.getJob(id));
  // Another key's job reads exactly as a job that does not exist: no existence leak.
  if (!job || (deps.keys && job.data.owner !== apiKeyOf(res))) throw new VoxqueueError("not_found", `no job ${id}`);
  return job;
}

/**
 * The {@link JobView} of job `id` (in its pool's queue) for the caller of `res`. State first, then the job
 * hash: a job finishing between the two reads then shows its earlier state, never
 * "completed" without its result. A job answered from the audio cache has only its record.
 * A job submitted with a `webhook_url` (the child of its delivery job) also shows its
 * delivery, read from `webhookQueue` when given.
 * @throws VoxqueueError `not_found`; `service_unavailable` when Redis is away
 */
export async function readJobView(deps: ReaderDeps, id: string, res: Response, webhookQueue?: () => Queue): Promise<JobView> {
  assertConnected(deps.redis);
  const queue = await queueOfJob(deps.redis, deps.queues, id);
  // Both at once: a job answered from the audio cache (no BullMQ job) costs no second round trip.
  const [state, record] = await redisStep("read job state", () => Promise.all([queue.getJobState(id), deps.redis.get(cachedJobKey(id))]));
  if (state === "unknown") {
    const cached = cachedJobView(record, id, deps.keys ? (apiKeyOf(res) ?? null) : undefined);
    if (cached) return cached;
  }
  const job = await readJobIn(deps, queue, id, res);
  const view = toJobView(job, state, (jobId) => deps.logger.warn({ job_id: jobId }, "completed job has no valid SynthJobResult"));
  if (!view) throw new VoxqueueError("not_found", `no job ${id}`);
  if (job.name === LONGFORM_JOB_NAME && job.data.longform) view.chunks = await redisStep("read chunk progress", () => chunkProgress(job, view.status));
  if (job.parentKey && webhookQueue) {
    const webhook = await redisStep("read webhook delivery", () => readWebhookView(webhookQueue(), deps.redis, id));
    if (webhook) view.webhook = webhook;
  }
  return view;
}

/**
 * A long-form job's chunks done of its total: its completed children (BullMQ's processed
 * dependencies), all of them once the job has completed.
 */
async function chunkProgress(job: Job<SynthJobData, SynthJobResult>, status: JobView["status"]): Promise<NonNullable<JobView["chunks"]>> {
  const total = job.data.longform?.chunks ?? 0;
  if (status === "completed") return { done: total, total };
  const { processed = 0 } = await job.getDependenciesCount({ processed: true });
  return { done: Math.min(processed, total), total };
}
