import { Queue, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import {
  toJobView,
  withAbsoluteLinks,
  webhookAttemptsKey,
  webhookJobDataSchema,
  webhookMessageId,
  type JobView,
  type WebhookEvent,
  type WebhookJobData,
} from "@voxqueue/contracts";
import {
  ATTR,
  SERVICE,
  SPAN,
  SpanKind,
  extractTraceContext,
  getTracer,
  inSpan,
  type Logger,
  type Tracer,
  type WebhookMetrics,
  type WebhookOutcome,
} from "@voxqueue/telemetry";
import {
  WebhookRefusedError,
  WebhookTimeoutError,
  judgeAnswer,
  parseRetryAfter,
  postWebhook,
  retryDelayMs,
  signWebhook,
  type BackoffPolicy,
  type PostAnswer,
} from "@voxqueue/webhooks";

/** How long an attempt record is kept when the delivery job has no age-based retention, seconds. */
const DEFAULT_RECORD_TTL_SECONDS = 172_800;

/** What the delivery processor needs; all I/O comes in through here. */
export interface WebhookProcessorDeps {
  /** Reads the synthesis job and writes the attempt record (`webhookAttemptsKey`). */
  connection: Redis;
  /** BullMQ key prefix of the synthesis queues (`QUEUE_PREFIX`). @defaultValue BullMQ's `bull` */
  prefix?: string;
  /** `WEBHOOK_SECRET`, parsed: each signs every attempt. */
  secrets: readonly string[];
  allowedHosts: ReadonlySet<string>;
  /** Per-attempt limit, ms. */
  timeoutMs: number;
  backoff: BackoffPolicy;
  metrics: WebhookMetrics;
  logger: Logger;
  /** @defaultValue the global provider's tracer */
  tracer?: Tracer;
  /** Jitter source, for tests. @defaultValue Math.random */
  random?: () => number;
}

/**
 * A failed attempt that is retried: `delayMs` is the wait before the next one (the
 * receiver's Retry-After, else exponential backoff with jitter); the worker's
 * `backoffStrategy` hands it to BullMQ ({@link webhookBackoffStrategy}).
 */
export class DeliveryRetryError extends Error {
  override readonly name = "DeliveryRetryError";
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * BullMQ's `settings.backoffStrategy` for delivery jobs: the delay the processor chose
 * ({@link DeliveryRetryError}), else (an error outside an attempt, e.g. Redis) the
 * exponential schedule.
 */
export function webhookBackoffStrategy(backoff: BackoffPolicy) {
  return (attemptsMade: number, _type?: string, err?: Error): number => (err instanceof DeliveryRetryError ? err.delayMs : retryDelayMs(attemptsMade, backoff));
}

/** The result of a delivered event (the delivery job's return value). */
export interface DeliveryResult {
  status: number;
  attempts: number;
}

/**
 * Builds the BullMQ processor of webhook deliveries. A delivery job becomes runnable
 * when its synthesis job (its BullMQ child) has finished for good; the first attempt
 * reads that job's view and fixes the event (`job.completed` or `job.failed`) in the
 * job's data, so every retry sends the same body under the same `webhook-id`. Each
 * attempt is signed anew (fresh `webhook-timestamp`), POSTed through the SSRF guard
 * within `timeoutMs`, and is one CLIENT span `webhook` in the job's trace, one log
 * line and one count of `tts_webhook_deliveries_total{outcome}`:
 *
 * - 2xx: delivered.
 * - network error, timeout, 408, 429, 5xx: retried after Retry-After or the backoff
 *   while attempts are left (BullMQ `attempts`), else dead.
 * - any other status (3xx: redirects are not followed; 4xx): dead at once.
 * - a target the guard refuses (its host now resolves to a private address): refused, at once.
 *
 * A dead or refused delivery is a failed BullMQ job in the delivery queue: the dead
 * letter, kept for the job's retention and visible on `GET /v1/jobs/:id`.
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps) {
  const tracer = deps.tracer ?? getTracer(SERVICE.worker);
  const synthQueues = new Map<string, Queue>();
  const synthQueue = (name: string) => {
    let queue = synthQueues.get(name);
    if (!queue) synthQueues.set(name, (queue = new Queue(name, { connection: deps.connection, ...(deps.prefix ? { prefix: deps.prefix } : {}) })));
    return queue;
  };

  /** The event of the job's outcome, fixed in the delivery job's data at its first attempt. */
  async function eventBody(job: Job<WebhookJobData>, data: WebhookJobData): Promise<{ body: string; type: WebhookEvent["type"] }> {
    if (data.event) return { body: data.event, type: (JSON.parse(data.event) as WebhookEvent).type };
    const queue = synthQueue(data.queue);
    const state = await queue.getJobState(data.job_id);
    const synthJob = await queue.getJob(data.job_id);
    const found = synthJob ? toJobView(synthJob, state) : null;
    const view = found && data.base_url ? withAbsoluteLinks(found, data.base_url) : found;
    if (!view || (view.status !== "completed" && view.status !== "failed")) {
      throw new Error(`job ${data.job_id} has no outcome to announce (state ${state})`);
    }
    const event: WebhookEvent<JobView> = {
      type: view.status === "completed" ? "job.completed" : "job.failed",
      timestamp: view.finished_at ?? new Date().toISOString(),
      data: view,
    };
    const body = JSON.stringify(event);
    await job.updateData({ ...data, event: body });
    return { body, type: event.type };
  }

  async function record(job: Job<WebhookJobData>, attempts: number, statusCode: number | null, error: string, nextAttemptAt: number | null): Promise<void> {
    const key = webhookAttemptsKey(job.data.job_id);
    const retention = job.opts.removeOnFail;
    const ttl = typeof retention === "object" && "age" in retention && retention.age ? retention.age : DEFAULT_RECORD_TTL_SECONDS;
    await deps.connection
      .multi()
      .hset(key, { attempts, last_status_code: statusCode ?? "", last_error: error, next_attempt_at: nextAttemptAt ?? "" })
      .expire(key, ttl)
      .exec();
  }

  return async function deliver(job: Job<WebhookJobData>): Promise<DeliveryResult> {
    const parsed = webhookJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`delivery job data: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const data = parsed.data;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const url = new URL(data.url);
    const log = deps.logger.child({ job_id: data.job_id, webhook_attempt: attempt, webhook_host: url.host });
    const { body, type } = await eventBody(job, data);

    const options = {
      kind: SpanKind.CLIENT,
      attributes: { [ATTR.webhookAttempt]: attempt, [ATTR.webhookEventType]: type, [ATTR.serverAddress]: url.hostname },
    };
    return inSpan(
      tracer,
      SPAN.webhook,
      options,
      async (span) => {
        const t0 = performance.now();
        let answer: PostAnswer | undefined;
        let failure: Error | undefined;
        try {
          const headers = signWebhook(deps.secrets, webhookMessageId(data.job_id), new Date(), body);
          answer = await postWebhook(data.url, body, { ...headers }, { timeoutMs: deps.timeoutMs, allowedHosts: deps.allowedHosts });
        } catch (err) {
          failure = err as Error;
        }
        const seconds = (performance.now() - t0) / 1000;
        const status = answer?.status ?? null;
        const verdict = answer ? judgeAnswer(answer.status) : failure instanceof WebhookRefusedError ? "refused" : "retry";
        const outcome: WebhookOutcome =
          verdict === "delivered" ? "delivered" : verdict === "refused" ? "refused" : verdict === "retry" && attempt < maxAttempts ? "retried" : "dead";
        const error = answer ? (outcome === "delivered" ? "" : `HTTP ${answer.status}`) : describe(failure);
        const delayMs =
          outcome === "retried"
            ? Math.min(deps.backoff.maxMs, parseRetryAfter(answer?.headers["retry-after"], Date.now()) ?? retryDelayMs(attempt, deps.backoff, deps.random))
            : 0;
        const nextAttemptAt = outcome === "retried" ? Date.now() + delayMs : null;

        deps.metrics.deliveries.inc({ outcome });
        deps.metrics.duration.observe({ outcome }, seconds);
        span.setAttribute(ATTR.webhookOutcome, outcome);
        if (status !== null) span.setAttribute(ATTR.httpResponseStatusCode, status);
        await record(job, attempt, status, error, nextAttemptAt);
        const fields = { outcome, status_code: status, duration_s: seconds, event_type: type, ...(error ? { err: error } : {}) };
        if (outcome === "delivered") {
          log.info(fields, "webhook delivered");
          return { status: status ?? 0, attempts: attempt };
        }
        if (outcome === "retried") {
          log.warn({ ...fields, retry_in_s: delayMs / 1000, attempts_left: maxAttempts - attempt }, "webhook attempt failed; retrying");
          throw new DeliveryRetryError(`webhook attempt ${attempt} failed: ${error}`, delayMs);
        }
        log.error({ ...fields, attempts: attempt }, outcome === "refused" ? "webhook refused: target not allowed" : "webhook dead-lettered");
        throw new UnrecoverableError(`webhook ${outcome}: ${error}`);
      },
      extractTraceContext(data.trace),
    );
  };
}

/** A short reason for an attempt that got no answer (no stack, no URL). */
function describe(err: Error | undefined): string {
  if (!err) return "no answer";
  if (err instanceof WebhookRefusedError) return `refused: ${err.message}`;
  if (err instanceof WebhookTimeoutError) return `timeout: ${err.message}`;
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code}: ${err.message}` : err.message;
}
