import { randomUUID } from "node:crypto";
import type { Response } from "express";
import type { JobsOptions } from "bullmq";
import { SYNTH_JOB_NAME, type Lane, type SynthJobData } from "@voxqueue/contracts";
import { textPreview, type Tracer } from "@voxqueue/telemetry";
import { addWithWebhook } from "@voxqueue/webhooks";
import { redisStep } from "./errors.js";
import type { QueuePool } from "./queues.js";
import { longformFlow } from "./longform.js";
import { confirmOnReplicas } from "./replica-wait.js";
import { SubmitAdmission } from "./security/admission.js";
import { apiKeyOf, requestIdOf } from "./security/caller.js";
import { sendJob } from "./trace-context.js";
import type { AppDeps } from "./types.js";

/** One admission per app (its settings object), made on the first submit. */
const admissions = new WeakMap<AppDeps["config"], SubmitAdmission>();

/**
 * Puts one synthesis job on its voice's queue (its pool's, in its priority lane: `QueuePool.forVoice`), once it passes the submit admission (the
 * API key's rate limit and cap on jobs in flight, the queue's backlog limit), inside the producer span, with the
 * configured attempts, backoff and retention; every route that synthesizes (the jobs
 * API, the OpenAI-compatible endpoint) enqueues through here. Logs `job accepted`.
 * @param opts.res the request's response (its request id and API key go on the log line)
 * @param opts.id the job's id (`QueuePool.newJobId`: it names the voice's pool); default a new one
 * @param opts.webhookUrl where the job's outcome event goes (checked by the caller): the job is then
 *   added with its delivery job as its BullMQ parent (`addWithWebhook`), so the event is sent once
 * @param opts.chunks a long-form job's chunk texts (`longformChunks`): the job is then the parent
 *   that stitches one chunk job each (`longformFlow`); it counts as one job for the admission. The
 *   whole flow goes on the batch lane, whatever `lane` says: nobody waits for any one chunk, and the
 *   stitch must not take an interactive job's place
 * @param opts.lane the job's priority lane (`interactive` by default)
 * @returns the job's id
 * @throws VoxqueueError `rate_limited` or `in_flight_limit` (429), `service_unavailable` when the backlog is
 *   full or Redis does not take it in time (nothing is stored then), or when fewer than REDIS_WAIT_REPLICAS
 *   replicas confirm it (it is stored on the primary then)
 */
export async function enqueueJob(
  deps: Pick<AppDeps, "config" | "logger" | "redis" | "metrics">,
  queues: QueuePool,
  tracer: Tracer,
  data: Omit<SynthJobData, "trace">,
  opts: {
    priority?: number | undefined;
    lane?: Lane | undefined;
    res: Response;
    id?: string;
    webhookUrl?: string | undefined;
    chunks?: readonly string[] | null;
  },
): Promise<string> {
  const { config, logger } = deps;
  const id = opts.id ?? queues.newJobId(data.voice, randomUUID());
  const queue = queues.forVoice(data.voice, opts.chunks ? "batch" : opts.lane);
  // Wait for the connection first: a Queue that never connected would otherwise hold
  // the add until Redis comes back, long after this request has been answered.
  await redisStep("connect to queue", () => queue.waitUntilReady());
  let admission = admissions.get(config);
  if (!admission) admissions.set(config, (admission = new SubmitAdmission(deps)));
  await admission.rate(opts.res);
  await admission.backlog(queue, opts.res);
  await admission.reserve(queue, id, opts.res);
  await sendJob(tracer, { queue: queue.name, id, data }, async (traced) => {
    const jobOpts: JobsOptions = {
      jobId: id,
      attempts: config.JOB_ATTEMPTS,
      backoff: { type: "exponential", delay: config.JOB_BACKOFF_MS },
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      removeOnComplete: { age: config.JOB_RETENTION_SECONDS },
      removeOnFail: { age: config.JOB_RETENTION_SECONDS },
    };
    const webhookUrl = opts.webhookUrl;
    const flow = opts.chunks ? longformFlow(queue.name, id, traced, opts.chunks, jobOpts) : null;
    await redisStep("enqueue job", async () => {
      if (webhookUrl !== undefined)
        await addWithWebhook(
          queues.flow(),
          { queue: queue.name, id, data: traced, opts: jobOpts, webhookUrl, baseUrl: publicBaseUrl(config, opts.res), ...(flow ? { flow } : {}) },
          config,
        );
      else if (flow) await queues.flow().add(flow);
      else await queue.add(SYNTH_JOB_NAME, traced, jobOpts);
    });
    await confirmOnReplicas(deps.redis, config.REDIS_WAIT_REPLICAS, config.REDIS_WAIT_TIMEOUT_MS);
    // Inside the producer span: this line's span_id is the worker's parent span.
    logger.info(
      {
        job_id: id,
        queue: queue.name,
        request_id: requestIdOf(opts.res),
        api_key: apiKeyOf(opts.res),
        voice: traced.voice,
        speaker: traced.speaker,
        text_chars: traced.text.length,
        ...(opts.chunks ? { chunks: opts.chunks.length } : {}),
        text: textPreview(traced.text, config.LOG_TEXT_PREFIX_CHARS),
      },
      "job accepted",
    );
  });
  return id;
}

/** The origin webhook links are made absolute against: `PUBLIC_BASE_URL`, else the submit request's scheme and Host. */
function publicBaseUrl(config: { PUBLIC_BASE_URL?: string | undefined }, res: Response): string {
  return config.PUBLIC_BASE_URL ?? `${res.req.protocol}://${res.req.get("host") ?? "localhost"}`;
}
