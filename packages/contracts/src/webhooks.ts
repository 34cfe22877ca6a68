import { z } from "zod";
import { KEY_PREFIX } from "./queue.js";

/** Longest accepted `webhook_url`, characters (browsers and proxies commonly cap URLs near 2 KiB). */
export const WEBHOOK_URL_MAX_CHARS = 2048;

/** The one message for a `webhook_url` that is not a URL at all. */
const NOT_A_URL = "webhook_url must be an absolute http(s) URL";

/**
 * Syntax of `webhook_url` (what needs no settings and no DNS): an absolute `http:` or
 * `https:` URL of at most {@link WEBHOOK_URL_MAX_CHARS} characters, with a host and
 * without credentials (`user:pass@` would be sent to the receiver and land in logs).
 * Whether `http:` and the host's addresses are allowed is decided by the SSRF guard
 * (`@voxqueue/webhooks`), at submit time and again at delivery time.
 */
export const webhookUrlSchema = z
  .string({ error: "webhook_url must be a string" })
  .max(WEBHOOK_URL_MAX_CHARS, `webhook_url must be at most ${WEBHOOK_URL_MAX_CHARS} characters`)
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** Why `value` is not an acceptable webhook URL (syntax only), or null. */
function webhookUrlProblem(value: string): string | null {
  if (!URL.canParse(value)) return NOT_A_URL;
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `webhook_url must use https (or http where WEBHOOK_ALLOWED_HOSTS allows it), not ${url.protocol.slice(0, 20)}`;
  if (url.username !== "" || url.password !== "") return "webhook_url must not contain credentials (user:password@)";
  if (url.hostname === "") return NOT_A_URL;
  return null;
}

/** Event types a job's outcome produces (one per job, see the README's Webhooks section). */
export const WEBHOOK_EVENT_TYPES = ["job.completed", "job.failed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Body of a webhook delivery: `type`, `timestamp` (ISO 8601, when the job finished)
 * and `data`, the job's view as `GET /v1/jobs/:id` shows it (without `webhook`).
 * Signed per the Standard Webhooks specification (headers `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`).
 */
export interface WebhookEvent<View = unknown> {
  type: WebhookEventType;
  timestamp: string;
  data: View;
}

/** BullMQ job name of a webhook delivery. */
export const WEBHOOK_JOB_NAME = "deliver";

/**
 * The BullMQ queue of webhook deliveries for synthesis queue `synthQueue`: its own
 * queue (own attempts, backoff and dead letters), processed by workers next to synthesis.
 */
export function webhookQueueName(synthQueue: string): string {
  return `${synthQueue}-webhooks`;
}

/**
 * Data of one webhook delivery job. The API adds it as the parent of the synthesis job
 * (a BullMQ flow), so it becomes runnable in the same Redis script that records the
 * synthesis job's final outcome: once, whichever worker finished it. Its job id is the
 * synthesis job's id. `trace` is the API's producer context, so delivery spans join
 * the job's trace.
 */
export const webhookJobDataSchema = z.object({
  job_id: z.string().min(1),
  url: z.string().min(1),
  /** The synthesis queue holding the job. */
  queue: z.string().min(1),
  trace: z.record(z.string(), z.string()).default({}),
  /**
   * The API's public origin when the job was submitted (`PUBLIC_BASE_URL`, else the
   * submit request's scheme and Host): the event's links are absolute against it.
   * Absent on jobs queued before it existed: their links stay relative.
   */
  base_url: z.string().url().optional(),
  /** The event, fixed at the first attempt so every retry sends the same body. */
  event: z.string().optional(),
});
export type WebhookJobData = z.infer<typeof webhookJobDataSchema>;

/**
 * The Standard Webhooks `webhook-id` of a job's outcome event: the same on every
 * retry, so receivers de-duplicate with it.
 */
export function webhookMessageId(jobId: string): string {
  return `msg_${jobId}`;
}

/** Public delivery states of `GET /v1/jobs/:id` → `webhook.state`. */
export const WEBHOOK_STATES = ["pending", "scheduled", "delivering", "delivered", "dead"] as const;
export type WebhookState = (typeof WEBHOOK_STATES)[number];

/** The `webhook` block of a job view: where its outcome event's delivery stands. */
export interface WebhookDeliveryView {
  /** pending: the job has no outcome yet; scheduled: waiting for its next attempt; dead: given up (dead letter). */
  state: WebhookState;
  /** Attempts made so far. */
  attempts: number;
  /** HTTP status of the last attempt; null when it got no answer (refused, timeout, network error). */
  last_status_code: number | null;
  /** When the next attempt is due (ISO 8601); null unless scheduled. */
  next_attempt_at: string | null;
  /** Why the last attempt failed, when it did. */
  last_error?: string;
}

/**
 * Redis hash of a delivery's attempt record (`attempts`, `last_status_code`,
 * `last_error`, `next_attempt_at` in ms since epoch), written by the delivery worker
 * after each attempt, read by the API's job view; it expires with the job.
 */
export function webhookAttemptsKey(jobId: string): string {
  return `${KEY_PREFIX}:webhook:${jobId}`;
}
