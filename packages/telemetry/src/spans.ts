import {
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from "@opentelemetry/api";
import { LOG_FIELD } from "./trace-names.js";

/**
 * Runs `fn` inside a new active span `name` and ends the span when `fn` returns or,
 * for a promise, settles. A throw or rejection marks the span ERROR (with the
 * exception recorded) and is passed on unchanged. `parent` defaults to the active
 * context.
 */
export function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => T, parent: Context = context.active()): T {
  return tracer.startActiveSpan(name, options, parent, (span) => {
    const fail = (err: unknown): never => {
      markSpanFailed(span, err);
      span.end();
      throw err;
    };
    try {
      const result = fn(span);
      if (result instanceof Promise) {
        return result.then((value: unknown) => {
          span.end();
          return value;
        }, fail) as T;
      }
      span.end();
      return result;
    } catch (err) {
      return fail(err);
    }
  });
}

/** A span that already happened: times in `performance.now()` milliseconds of this thread. */
export interface TimedSpan {
  startMs: number;
  endMs: number;
  attributes: Attributes;
}

/**
 * Records spans `name` that already happened, for work timed elsewhere, such as the
 * sentences of an inference thread. All of them share one conversion to wall-clock
 * time, so spans laid end to end stay end to end. `parent` defaults to the active context.
 */
export function recordSpans(tracer: Tracer, name: string, spans: readonly TimedSpan[], parent: Context = context.active()): void {
  // The wall clock as the SDK sees it, now; performance.now() alone drifts from it over days.
  const offsetMs = Date.now() - (performance.timeOrigin + performance.now());
  const wallMs = (ms: number) => performance.timeOrigin + ms + offsetMs;
  for (const span of spans) {
    tracer.startSpan(name, { startTime: wallMs(span.startMs), attributes: span.attributes }, parent).end(wallMs(span.endMs));
  }
}

/** Marks `span` failed: status ERROR with the error's message, the exception recorded as an event. */
export function markSpanFailed(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * `{trace_id, span_id}` of the active span, or `{}` outside one (or when tracing is
 * off). The logger adds these to every line.
 */
export function activeTraceFields(): Partial<Record<typeof LOG_FIELD.traceId | typeof LOG_FIELD.spanId, string>> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return { [LOG_FIELD.traceId]: spanContext.traceId, [LOG_FIELD.spanId]: spanContext.spanId };
}

/** Sets `attributes` on the active span (the request's SERVER span inside a route); nothing outside a span. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attributes);
}
