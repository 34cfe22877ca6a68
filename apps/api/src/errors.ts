import { isUtf8 } from "node:buffer";
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { VoxqueueError, isJobErrorType, type ErrorBody } from "@voxqueue/contracts";
import type { Redis } from "ioredis";
import { settleWithin } from "@voxqueue/runtime";
import type { ApiMetrics, Logger } from "@voxqueue/telemetry";

/** Seconds a client is told to wait (`Retry-After`) when Redis or the fleet is not there. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** How long one Redis-backed step of a request may take before the API answers 503. */
export const REDIS_STEP_TIMEOUT_MS = 2_000;

/** An error that answers 503 `service_unavailable` with `Retry-After`. */
export function serviceUnavailable(message: string, cause?: unknown): VoxqueueError {
  const err = new VoxqueueError("service_unavailable", message);
  if (cause !== undefined) err.cause = cause;
  return err;
}

/**
 * Fails fast with 503 while `redis` is not connected (before its first connection,
 * or between reconnects), instead of waiting for a step's timeout.
 */
export function assertConnected(redis: Pick<Redis, "status">): void {
  if (redis.status !== "ready") throw serviceUnavailable("storage is unavailable (not connected to Redis); retry later");
}

/**
 * Runs one Redis-backed step of a request. Whatever goes wrong there (refused
 * connection, offline client, a command past `timeoutMs`) becomes a 503
 * `service_unavailable`, so a Redis outage never answers 500 and never hangs.
 * A step that times out is not cancelled; callers only time out steps that write
 * nothing, or a single atomic write (BullMQ adds a job in one Lua script).
 */
export async function redisStep<T>(what: string, step: () => Promise<T>, timeoutMs = REDIS_STEP_TIMEOUT_MS): Promise<T> {
  try {
    return await settleWithin(step(), timeoutMs, what, "Redis");
  } catch (err) {
    if (err instanceof VoxqueueError) throw err;
    throw serviceUnavailable(`storage is unavailable (${what}); retry later`, err);
  }
}

/** Writes `err` as the JSON error body with the HTTP status of its type. */
function sendError(res: Response, err: VoxqueueError, toBody: (err: VoxqueueError) => unknown = (e) => e.toBody() satisfies ErrorBody): void {
  res.status(err.status).json(toBody(err));
}

/** Final handler for paths no route matches: 404 `not_found`. */
export const notFound: RequestHandler = (req, _res, next) => {
  // The path is the client's text: never repeated.
  next(new VoxqueueError("not_found", `no route for ${req.method} at this path (see the HTTP API in the README)`));
};

/** Handler for a known path with a method it does not serve: 405 with `Allow`. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    res.set("Allow", allowed.join(", "));
    next(new VoxqueueError("method_not_allowed", `${req.method} is not allowed here; use ${allowed.join(" or ")}`));
  };
}

/** The fields of body-parser's, raw-body's and zlib's errors that the error handler reads. */
interface BodyParserError {
  /** body-parser/raw-body's kind of error (`entity.parse.failed`, ...); absent on zlib's. */
  type?: unknown;
  /** HTTP status (http-errors sets both); body-parser gives a body that does not inflate 400. */
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  /** zlib's or Brotli's code (`Z_DATA_ERROR`, `ERR__ERROR_FORMAT_PADDING_1`, ...) when a compressed body does not inflate. */
  code?: unknown;
  message: string;
}

/** `type` of the error thrown by {@link requireUtf8}. */
const INVALID_UTF8 = "entity.invalid.utf8";

/**
 * body-parser `verify` hook: a body declared (or defaulted) UTF-8 must be valid UTF-8.
 * Without it, invalid bytes would be decoded to U+FFFD and the text queued as such.
 */
export function requireUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding === "utf-8" && !isUtf8(body)) throw Object.assign(new Error("request body is not valid UTF-8"), { type: INVALID_UTF8 });
}

/**
 * Maps an error that carries a 4xx HTTP status (body-parser's, raw-body's, and zlib's
 * or Brotli's once body-parser has given it a 400) to the taxonomy: a known `type`
 * gets its own message; otherwise the status decides (413, 415, any other 4xx is
 * `invalid_input` naming `body`), so a client-caused body error never answers 500.
 * Returns null for errors without a 4xx status (server-side ones stay `internal`).
 */
function fromBodyParser(err: unknown, maxBodyBytes: number): VoxqueueError | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & BodyParserError;
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return null;
  switch (e.type) {
    case INVALID_UTF8:
      return new VoxqueueError("invalid_input", "request body is not valid UTF-8", "body");
    case "entity.parse.failed":
      return new VoxqueueError("invalid_input", "request body is not valid JSON (an object is expected)", "body");
    case "entity.too.large":
      return new VoxqueueError("payload_too_large", `request body is larger than ${maxBodyBytes} bytes`);
    // body-parser's messages repeat the client's header: ours do not.
    case "encoding.unsupported":
      return new VoxqueueError("unsupported_media_type", "unsupported Content-Encoding; send gzip, deflate, br or none");
    case "charset.unsupported":
      return new VoxqueueError("unsupported_media_type", "unsupported charset; send UTF-8 JSON");
  }
  // A body that does not inflate: the decompressor's own error (a code such as Z_DATA_ERROR, no type).
  if (e.type === undefined && typeof e.code === "string") {
    return new VoxqueueError("invalid_input", `request body does not match its Content-Encoding (${e.message})`, "body");
  }
  if (status === 413) return new VoxqueueError("payload_too_large", `request body is larger than ${maxBodyBytes} bytes`);
  if (status === 415) return new VoxqueueError("unsupported_media_type", "unsupported request body");
  return new VoxqueueError("invalid_input", "bad request body", "body");
}

/**
 * Maps the router's error for a route parameter that is not valid percent-encoding
 * (`/v1/jobs/%ZZ`, `/v1/jobs/%E0%A4%A`: a `URIError` from `decodeURIComponent` with
 * status 400) to `invalid_input` naming `id`, the API's only route parameter; returns
 * null for anything else.
 */
function fromUndecodablePath(err: unknown): VoxqueueError | null {
  if (!(err instanceof URIError)) return null;
  return new VoxqueueError("invalid_input", "the job id in the URL path is not valid percent-encoding (% must start an escape of UTF-8 bytes, as %2F)", "id");
}

/**
 * The app's last middleware: every error becomes `{error: {type, message, field?}}`
 * with the status of its type; anything unexpected is logged with its stack and
 * answered as a bare 500 `internal` (no stack, no details). Job-error types
 * (`invalid_input`, `internal`) are counted in `tts_errors_total`.
 */
export function errorHandler(opts: {
  logger: Logger;
  metrics: ApiMetrics;
  maxBodyBytes: number;
  /** The error body; default `{error: {type, message, field?}}` (the OpenAI-compatible routes give OpenAI's shape). */
  toBody?: (err: VoxqueueError) => unknown;
}): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let known = err instanceof VoxqueueError ? err : (fromUndecodablePath(err) ?? fromBodyParser(err, opts.maxBodyBytes));
    if (!known) {
      opts.logger.error({ err, method: req.method, path: req.path }, "unhandled error");
      known = new VoxqueueError("internal", "internal error");
    } else if (known.type === "service_unavailable" && known.cause !== undefined) {
      opts.logger.warn({ err: known.cause, method: req.method, path: req.path }, known.message);
    }
    if (isJobErrorType(known.type)) opts.metrics.errors.inc({ error_type: known.type });
    // Routes may have set their own Retry-After (not_ready, an empty catalog).
    if (known.type === "service_unavailable" && !res.get("Retry-After")) res.set("Retry-After", String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    sendError(res, known, opts.toBody);
  };
}
