// Metrics, logs and traces as the apps use them. Only names other workspace packages import are
// exported; the rest stays inside its module.

// metric names and label values
export { BACKLOG_STATES, JOB_STATES, METRIC } from "./metric-names.js";
export type { WebhookOutcome } from "./metric-names.js";

// Prometheus metrics
export { createApiMetrics, createWorkerMetrics } from "./metrics.js";
export type { ApiMetrics, GpuMemoryReading, SynthLabels, WorkerMetrics } from "./metrics.js";

// logging
export { createLogger, textPreview } from "./logger.js";
export type { Logger } from "./logger.js";

// outage logging
export { outageLogger } from "./outage-logger.js";

// span, attribute and log-field names
export { ATTR, LOG_FIELD, SERVICE, SPAN } from "./trace-names.js";

// tracing setup
export { getTracer, SpanKind, startTracing } from "./tracing.js";
export type { Span, Tracer } from "./tracing.js";

// trace context propagation
export { extractTraceContext, injectTraceContext, withTraceContext } from "./propagation.js";
export type { TraceCarrier } from "./propagation.js";

// spans
export { annotateActiveSpan, inSpan, recordSpans } from "./spans.js";
export type { TimedSpan } from "./spans.js";

// messaging spans
export { inConsumerSpan, inProducerSpan } from "./messaging.js";

// HTTP server spans
export { startServerSpan } from "./http-server-span.js";

// webhook metrics
export { createWebhookMetrics } from "./webhook-metrics.js";
export type { WebhookMetrics } from "./webhook-metrics.js";
