import type { FlowJob, FlowProducer, JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import {
  SYNTH_JOB_NAME,
  WEBHOOK_JOB_NAME,
  webhookAttemptsKey,
  webhookQueueName,
  type QueueJobState,
  type SynthJobData,
  type WebhookDeliveryView,
  type WebhookJobData,
  type WebhookState,
} from "@voxqueue/contracts";

/**
 * Adds a synthesis job together with its webhook delivery, in one BullMQ flow: the
 * delivery job (id = the synthesis job's id, in `<QUEUE_NAME>-webhooks`) is the
 * parent of the synthesis job, and waits in `waiting-children` until the synthesis
 * job finishes for good. BullMQ releases the parent in the same Redis script that
 * records the child's completion (under its lock) or its final failure
 * (`ignoreDependencyOnFailure`), so each job's outcome produces exactly one delivery,
 * also when its worker was killed and another worker finished it. `job.flow`, when given, is
 * the job's own subtree (a long-form job and its chunks) put under the delivery instead of one job.
 */
export async function addWithWebhook(
  flow: FlowProducer,
  job: { queue: string; id: string; data: SynthJobData; opts: JobsOptions; webhookUrl: string; baseUrl?: string | undefined; flow?: FlowJob },
  config: { QUEUE_NAME: string; WEBHOOK_MAX_ATTEMPTS: number; JOB_RETENTION_SECONDS: number },
): Promise<void> {
  const data: WebhookJobData = {
    job_id: job.id,
    url: job.webhookUrl,
    queue: job.queue,
    trace: job.data.trace,
    ...(job.baseUrl !== undefined ? { base_url: job.baseUrl } : {}),
  };
  await flow.add({
    name: WEBHOOK_JOB_NAME,
    queueName: webhookQueueName(config.QUEUE_NAME),
    data,
    opts: {
      jobId: job.id,
      attempts: config.WEBHOOK_MAX_ATTEMPTS,
      backoff: { type: "webhook" }, // the delivery worker's backoffStrategy: Retry-After, else exponential with jitter
      removeOnComplete: { age: config.JOB_RETENTION_SECONDS },
      removeOnFail: { age: config.JOB_RETENTION_SECONDS },
    },
    children: [
      {
        ...(job.flow ?? { name: SYNTH_JOB_NAME, queueName: job.queue, data: job.data }),
        opts: { ...job.opts, jobId: job.id, ignoreDependencyOnFailure: true },
      },
    ],
  });
}

/** Public delivery state of a BullMQ state of the delivery job; null when it is gone. */
function webhookState(state: QueueJobState): WebhookState | null {
  switch (state) {
    case "waiting-children":
      return "pending";
    case "waiting":
    case "prioritized":
    case "delayed":
      return "scheduled";
    case "active":
      return "delivering";
    case "completed":
      return "delivered";
    case "failed":
      return "dead";
    default:
      return null;
  }
}

/**
 * The `webhook` block of a job's view: the delivery job's state in `queue` and the
 * delivery worker's record of its last attempt. Undefined when the job has no delivery.
 */
export async function readWebhookView(queue: Queue, redis: Redis, jobId: string): Promise<WebhookDeliveryView | undefined> {
  const [state, record] = await Promise.all([queue.getJobState(jobId), redis.hgetall(webhookAttemptsKey(jobId))]);
  const public_ = webhookState(state);
  if (!public_) return undefined;
  const statusCode = Number(record.last_status_code);
  const next = Number(record.next_attempt_at);
  const view: WebhookDeliveryView = {
    state: public_,
    attempts: Number(record.attempts ?? 0) || 0,
    last_status_code: record.last_status_code && Number.isInteger(statusCode) ? statusCode : null,
    next_attempt_at: public_ === "scheduled" && record.next_attempt_at && next > 0 ? new Date(next).toISOString() : null,
  };
  if (record.last_error) view.last_error = record.last_error;
  return view;
}
