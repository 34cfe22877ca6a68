import type { Request, RequestHandler } from "express";
import type { ApiMetrics, Logger } from "@voxqueue/telemetry";

/** Route label of requests no route matched (keeps the metric's label set bounded). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Probe and scrape paths: requested every few seconds per replica, so they are logged at debug (not to drown the
 * request log) and get no span (not to bury the traces of jobs).
 */
export const QUIET_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/** The route pattern that served `req` (`/v1/jobs/:id`), never the raw path. */
export function routeLabel(req: Request): string {
  const route: unknown = req.route;
  if (route && typeof route === "object" && "path" in route && typeof route.path === "string") return `${req.baseUrl}${route.path}`;
  return UNMATCHED_ROUTE;
}

/**
 * Counts and times every request (`tts_http_requests_total`,
 * `tts_http_request_duration_seconds` by method, route pattern and status) and logs
 * one line per request: method, route, status, latency_ms. Bodies are never logged.
 */
export function observeRequests(opts: { metrics: ApiMetrics; logger: Logger }): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      opts.metrics.httpRequests.inc(labels);
      opts.metrics.httpRequestDuration.observe(labels, seconds);
      const line = { method: req.method, route, status: res.statusCode, latency_ms: Math.round(seconds * 1e4) / 10, ...(res.writableFinished ? {} : { aborted: true }) };
      // 500s are logged with their stack by the error handler; a 503 is an outage, not a bug.
      if (QUIET_PATHS.has(route)) opts.logger.debug(line, "request");
      else if (res.statusCode >= 500) opts.logger.warn(line, "request");
      else opts.logger.info(line, "request");
    });
    next();
  };
}
