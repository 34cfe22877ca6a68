import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { ATTR, annotateActiveSpan } from "@voxqueue/telemetry";
import { setRequestId } from "./caller.js";

/** Header of request ids, read from clients and proxies and answered on every response. */
export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * A client's request id is kept when it is 1–128 characters of letters, digits and
 * `. _ : @ -` (a UUID, a ULID, a proxy's id): nothing that could break a log line or
 * a header. Anything else is replaced by a fresh one.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Gives every request an id: the client's `X-Request-Id` when it is safe, else a random
 * UUID. It is answered in `X-Request-Id`, set on the request's span and written on the
 * request's log lines, so a client's report can be found in the logs.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    setRequestId(res, id);
    res.set(REQUEST_ID_HEADER, id);
    annotateActiveSpan({ [ATTR.requestId]: id });
    next();
  };
}
