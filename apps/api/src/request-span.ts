import type { RequestHandler } from "express";
import type { ApiConfig } from "@voxqueue/config";
import { SERVICE, getTracer, startServerSpan, type Tracer } from "@voxqueue/telemetry";
import { QUIET_PATHS, UNMATCHED_ROUTE, recordedStatus, routeLabel } from "./observe.js";

/**
 * The SERVER span of every request but probes and scrapes (`POST /v1/jobs`, `GET /v1/jobs/:id`, ...), made
 * here rather than by OpenTelemetry's HTTP/Express auto-instrumentation, which needs
 * a module loader hook under ESM. Install it first: the routes and the request log
 * line then run inside the span, so their log lines carry its `trace_id`. A no-op
 * span when tracing is off.
 */
export function traceRequests(opts: { tracer?: Tracer | undefined; config: Pick<ApiConfig, "HTTP_REQUEST_TIMEOUT_SECONDS"> }): RequestHandler {
  const tracer = opts.tracer ?? getTracer(SERVICE.api);
  const requestTimeoutMs = opts.config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  return (req, res, next) => {
    if (QUIET_PATHS.has(req.path)) return next();
    const started = performance.now();
    const span = startServerSpan(tracer, { method: req.method, path: req.path, headers: req.headers }, [req, res]);
    res.once("close", () => {
      const route = routeLabel(req);
      span.end(route === UNMATCHED_ROUTE ? undefined : route, recordedStatus(req, res, performance.now() - started, requestTimeoutMs));
    });
    span.run(next);
  };
}
