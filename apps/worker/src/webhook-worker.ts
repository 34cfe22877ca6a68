import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { queuePrefix, type WorkerConfig } from "@voxqueue/config";
import { WEBHOOK_JOB_NAME, webhookQueueName, type WebhookJobData } from "@voxqueue/contracts";
import { createWebhookMetrics, type Logger } from "@voxqueue/telemetry";
import { createWebhookProcessor, webhookBackoffStrategy, type DeliveryResult } from "./webhook-processor.js";

/** The running delivery worker of {@link startWebhookWorker}. */
export interface WebhookWorkerHandle {
  queueName: string;
  /** Stops taking deliveries and waits for those in flight (each ends within `WEBHOOK_TIMEOUT_MS`). */
  close(): Promise<void>;
}

/**
 * Starts the webhook delivery worker next to synthesis: a BullMQ Worker of its own on
 * the delivery queue (`<QUEUE_NAME>-webhooks`), `WEBHOOK_CONCURRENCY` deliveries at
 * once, the delivery backoff as BullMQ's `backoffStrategy`, and the synthesis worker's
 * lock and stalled-check settings (a delivery whose worker died runs again, with the
 * same `webhook-id`). Its metrics go to `registry`.
 * Returns null (and logs why) when `WEBHOOK_SECRET` is unset: nothing can be signed.
 */
export async function startWebhookWorker(
  config: WorkerConfig,
  connection: Redis,
  registry: Registry,
  logger: Logger,
  onError: (err: Error) => void,
): Promise<WebhookWorkerHandle | null> {
  if (!config.WEBHOOK_SECRET) {
    logger.info("webhooks off: WEBHOOK_SECRET is not set (this worker delivers no webhooks)");
    return null;
  }
  const backoff = { baseMs: config.WEBHOOK_BACKOFF_MS, maxMs: config.WEBHOOK_BACKOFF_MAX_MS };
  const prefix = queuePrefix(config);
  const deliver = createWebhookProcessor({
    connection,
    prefix,
    secrets: config.WEBHOOK_SECRET,
    allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    backoff,
    metrics: createWebhookMetrics(registry),
    logger,
  });
  const queueName = webhookQueueName(config.QUEUE_NAME);
  const worker = new Worker<WebhookJobData, DeliveryResult>(
    queueName,
    async (job) => {
      if (job.name !== WEBHOOK_JOB_NAME) throw new Error(`internal: unknown job name ${job.name}`);
      return deliver(job);
    },
    {
      connection,
      prefix,
      concurrency: config.WEBHOOK_CONCURRENCY,
      lockDuration: config.LOCK_DURATION_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.MAX_STALLED_COUNT,
      settings: { backoffStrategy: webhookBackoffStrategy(backoff) },
    },
  );
  worker.on("error", onError);
  await worker.waitUntilReady();
  logger.info(
    { queue: queueName, concurrency: config.WEBHOOK_CONCURRENCY, allowed_hosts: [...config.WEBHOOK_ALLOWED_HOSTS], secrets: config.WEBHOOK_SECRET.length },
    "webhook delivery ready",
  );
  return { queueName, close: () => worker.close() };
}
