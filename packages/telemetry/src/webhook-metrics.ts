import { Counter, Histogram, type Registry } from "prom-client";
import { BUCKETS, METRIC, WEBHOOK_OUTCOMES } from "./metric-names.js";

/**
 * Metrics of webhook delivery (worker): one count per attempt by outcome and the
 * attempt's duration. Every outcome starts at 0, so `increase()` sees the first
 * dead letter.
 */
export function createWebhookMetrics(registry: Registry) {
  const deliveries = new Counter({
    name: METRIC.webhookDeliveries,
    help: `Webhook delivery attempts by outcome (${WEBHOOK_OUTCOMES.join(", ")}).`,
    labelNames: ["outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC.webhookDeliveryDuration,
    help: "Time of one webhook delivery attempt (connect, send, answer), seconds.",
    labelNames: ["outcome"],
    buckets: [...BUCKETS.webhookDelivery],
    registers: [registry],
  });
  for (const outcome of WEBHOOK_OUTCOMES) {
    deliveries.inc({ outcome }, 0);
    duration.zero({ outcome });
  }
  return { deliveries, duration };
}
export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
