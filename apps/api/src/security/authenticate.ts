import type { RequestHandler } from "express";
import { VoxqueueError } from "@voxqueue/contracts";
import { ATTR, annotateActiveSpan, type ApiMetrics } from "@voxqueue/telemetry";
import type { KeyStore } from "./key-store.js";
import { setApiKey } from "./caller.js";

/** `realm` of our `WWW-Authenticate` challenges. */
export const AUTH_REALM = "voxqueue";

/** Longest bearer token looked at; ours are 46 characters. */
const MAX_TOKEN_CHARS = 512;

/**
 * `Bearer <token>` (RFC 6750 §2.1: the scheme is case-insensitive, the token is
 * b64token characters); anything else is malformed.
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The RFC 6750 challenge: `error="invalid_token"` when a token was presented. */
function challenge(presented: boolean): string {
  return presented ? `Bearer realm="${AUTH_REALM}", error="invalid_token"` : `Bearer realm="${AUTH_REALM}"`;
}

/**
 * Requires `Authorization: Bearer <key>` with a key of `keys`: 401 `unauthorized`
 * (with `WWW-Authenticate: Bearer`) when it is missing, malformed or unknown, counted
 * in `tts_requests_refused_total{reason="unauthorized"}`. The key's name goes to
 * `res.locals` (job ownership, the log line) and to the request's span; the key itself
 * is never stored or logged. The messages never repeat what the client sent.
 */
export function authenticate(keys: KeyStore, metrics: Pick<ApiMetrics, "requestsRefused">): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    const refuse = (message: string, presented: boolean) => {
      metrics.requestsRefused.inc({ reason: "unauthorized" });
      res.set("WWW-Authenticate", challenge(presented));
      next(new VoxqueueError("unauthorized", message, "Authorization"));
    };
    if (header === undefined || header.trim() === "") return refuse("an API key is required: send Authorization: Bearer <key>", false);
    const match = header.length <= MAX_TOKEN_CHARS + 16 ? BEARER.exec(header) : null;
    if (!match?.[1] || match[1].length > MAX_TOKEN_CHARS) return refuse("the Authorization header must be Bearer <key>", true);
    const name = keys.identify(match[1]);
    if (name === null) return refuse("unknown API key", true);
    setApiKey(res, name);
    annotateActiveSpan({ [ATTR.apiKeyName]: name });
    next();
  };
}
