import { context as contextApi, type Context, type TextMapGetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

/** A W3C trace context as stored in a job's data: `traceparent` and, when set, `tracestate`. */
export type TraceCarrier = Record<string, string>;

// Always W3C, whatever OTEL_PROPAGATORS says for HTTP: the job data is our own
// contract (`SynthJobData.trace`), read by workers of any version and configuration.
const w3c = new W3CTraceContextPropagator();

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (Object.hasOwn(carrier, key) ? carrier[key] : undefined),
};

/**
 * The W3C trace context (`traceparent`, `tracestate`) of `ctx` (default: the active
 * context) as a plain record for a job's data. Empty when there is no valid span in
 * it, e.g. when tracing is off.
 */
export function injectTraceContext(ctx: Context = contextApi.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  w3c.inject(ctx, carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  return carrier;
}

/**
 * The context to parent spans on, from a carrier written by {@link injectTraceContext}
 * on top of `base` (default: the active context). Tolerates anything: job data comes
 * from Redis, so non-string values are ignored and a missing or malformed
 * `traceparent` gives `base` unchanged (the consumer span then starts a new trace).
 */
export function extractTraceContext(carrier: unknown, base: Context = contextApi.active()): Context {
  if (!carrier || typeof carrier !== "object") return base;
  const strings: TraceCarrier = {};
  for (const [key, value] of Object.entries(carrier)) if (typeof value === "string") strings[key] = value;
  return w3c.extract(base, strings, carrierGetter);
}

/**
 * Runs `fn` inside the trace context found in `carrier` (a job's `trace`), so its log
 * lines carry that trace's `trace_id`: for work about a message outside its span,
 * such as BullMQ's `completed` event. Plain `fn()` when tracing is off.
 */
export function withTraceContext<T>(carrier: unknown, fn: () => T): T {
  return contextApi.with(extractTraceContext(carrier), fn);
}
