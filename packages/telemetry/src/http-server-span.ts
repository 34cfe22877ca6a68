import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { ATTR } from "./trace-names.js";

/** A request's SERVER span, made by {@link startServerSpan}. */
export interface ServerSpan {
  /** Runs `fn` with the server span active (its callbacks and promises inherit it). */
  run<T>(fn: () => T): T;
  /**
   * Names the span `<METHOD> <route>` (`route` is the matched pattern, e.g.
   * `/v1/jobs/:id`, never the raw path; undefined when no route matched), records the
   * status code (5xx: status ERROR, `error.type` the code) and ends it.
   */
  end(route: string | undefined, statusCode: number): void;
}

// HTTP conventions: methods outside the known set are reported as _OTHER (bounded names).
const KNOWN_METHODS = new Set(["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"]);

/**
 * Starts the SERVER span of one HTTP request. Its parent is the trace context of the
 * request headers (the globally configured propagator, W3C by default), so a client
 * that traces joins its trace. `emitters` (the request and response) are bound to the
 * span's context: listeners added to them later, such as a body parser's or an
 * access log's, run inside it.
 */
export function startServerSpan(
  tracer: Tracer,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  emitters: readonly EventEmitter[],
): ServerSpan {
  const method = KNOWN_METHODS.has(request.method) ? request.method : "_OTHER";
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { [ATTR.httpRequestMethod]: method, [ATTR.urlPath]: request.path } }, parent);
  const ctx = trace.setSpan(parent, span);
  for (const emitter of emitters) context.bind(ctx, emitter);
  return {
    run: (fn) => context.with(ctx, fn),
    end(route, statusCode) {
      if (route !== undefined) {
        span.updateName(`${method} ${route}`);
        span.setAttribute(ATTR.httpRoute, route);
      }
      span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
      if (statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute(ATTR.errorType, String(statusCode));
      }
      span.end();
    },
  };
}
