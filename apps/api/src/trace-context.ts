import type { SynthJobData } from "@voxqueue/contracts";

/**
 * The W3C trace context (`traceparent`, `tracestate`) to store in a job's `trace`
 * field so the worker's span continues the API's. Tracing is not wired yet, so it
 * is empty; this is the one place to add the OpenTelemetry propagator's `inject`.
 */
export function injectTraceContext(data: Omit<SynthJobData, "trace">): Record<string, string> {
  void data;
  return {};
}
