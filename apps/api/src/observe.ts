import type { Request, RequestHandler } from "express";
import type { ApiConfig } from "@voxqueue/config";
import { LOG_FIELD, type ApiMetrics, type Logger } from "@voxqueue/telemetry";
import { apiKeyOf, requestIdOf } from "./security/caller.js";

/** Route label of requests no route matched (keeps the metric's label set bounded). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Status recorded for a request whose client went away before the answer was sent
 * (nginx's convention): the request is logged and counted, never as the 2xx it never got.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The status a finished exchange is recorded with: the answer's; 408 when the request
 * was still incomplete at `requestTimeoutMs` (Node answered 408 and closed it:
 * HTTP_REQUEST_TIMEOUT_SECONDS); else 499 when the client left before the answer was sent.
 */
export function recordedStatus(
  req: { complete: boolean },
  res: { statusCode: number; writableFinished: boolean },
  elapsedMs: number,
  requestTimeoutMs: number,
): number {
  if (res.writableFinished) return res.statusCode;
  if (!req.complete && elapsedMs >= requestTimeoutMs) return REQUEST_TIMEOUT;
  return CLIENT_CLOSED_REQUEST;
}

/** Status of a request the server timed out (Node writes it itself). */
const REQUEST_TIMEOUT = 408;

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
 * one line per request: method, route, status, latency_ms, request_id and the API key's
 * name (never the key). A client that went away before its answer was sent is recorded
 * as {@link CLIENT_CLOSED_REQUEST}. Bodies are never logged.
 */
export function observeRequests(opts: { metrics: ApiMetrics; logger: Logger; config: Pick<ApiConfig, "HTTP_REQUEST_TIMEOUT_SECONDS"> }): RequestHandler {
  const requestTimeoutMs = opts.config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      const status = recordedStatus(req, res, seconds * 1000, requestTimeoutMs);
      const labels = { method: req.method, route, status_code: String(status) };
      opts.metrics.httpRequests.inc(labels);
      opts.metrics.httpRequestDuration.observe(labels, seconds);
      const aborted = status === CLIENT_CLOSED_REQUEST ? { aborted: true, client_closed: "the client closed the connection before the answer was sent" } : {};
      const line = {
        method: req.method,
        route,
        status,
        latency_ms: Math.round(seconds * 1e4) / 10,
        [LOG_FIELD.requestId]: requestIdOf(res),
        [LOG_FIELD.apiKeyName]: apiKeyOf(res),
        ...aborted,
      };
      // 500s are logged with their stack by the error handler; a 503 is an outage, not a bug.
      if (QUIET_PATHS.has(route)) opts.logger.debug(line, "request");
      else if (res.statusCode >= 500) opts.logger.warn(line, "request");
      else opts.logger.info(line, "request");
    });
    next();
  };
}
