import type { Server, ServerOptions } from "node:http";
import type { ApiConfig } from "@voxqueue/config";

/** The settings {@link httpServerOptions} and {@link applyServerLimits} read. */
export type ServerLimits = Pick<
  ApiConfig,
  "HTTP_HEADERS_TIMEOUT_SECONDS" | "HTTP_REQUEST_TIMEOUT_SECONDS" | "HTTP_IDLE_TIMEOUT_SECONDS" | "HTTP_KEEP_ALIVE_TIMEOUT_SECONDS" | "HTTP_MAX_CONNECTIONS"
>;

/** How often Node checks open connections against the header and request timeouts, ms (Node's default is 30 s). */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1_000;

/**
 * Options for `http.createServer` that bound slow clients: headers within
 * `HTTP_HEADERS_TIMEOUT_SECONDS`, the whole request (headers and body) within
 * `HTTP_REQUEST_TIMEOUT_SECONDS`, else Node answers `408` and closes the connection.
 * Node checks these every {@link CONNECTIONS_CHECK_INTERVAL_MS} (its default of 30 s let
 * a body shorter than its Content-Length hold a connection for 325 s).
 */
export function httpServerOptions(limits: ServerLimits): ServerOptions {
  const requestMs = limits.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  return {
    // Node requires headersTimeout <= requestTimeout.
    headersTimeout: Math.min(limits.HTTP_HEADERS_TIMEOUT_SECONDS * 1000, requestMs),
    requestTimeout: requestMs,
    keepAliveTimeout: limits.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
  };
}

/**
 * Limits set on a created server: a connection with no bytes either way for
 * `HTTP_IDLE_TIMEOUT_SECONDS` is destroyed (a client that stops reading its answer),
 * and at most `HTTP_MAX_CONNECTIONS` connections are open (Node closes further ones at
 * once; 0 = no cap). Returns `server`.
 */
export function applyServerLimits<S extends Server>(server: S, limits: ServerLimits): S {
  // Without a "timeout" listener Node destroys the socket itself.
  server.setTimeout(limits.HTTP_IDLE_TIMEOUT_SECONDS * 1000);
  if (limits.HTTP_MAX_CONNECTIONS > 0) server.maxConnections = limits.HTTP_MAX_CONNECTIONS;
  return server;
}
