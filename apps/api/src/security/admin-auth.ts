import type { RequestHandler } from "express";
import { VoxqueueError } from "@voxqueue/contracts";
import type { ApiMetrics } from "@voxqueue/telemetry";
import type { KeyStore } from "./key-store.js";
import { setApiKey } from "./caller.js";

/** `realm` of the queue inspector's Basic challenge (browsers show it in their login prompt). */
export const ADMIN_REALM = "voxqueue queue inspector";

/** The key in `Authorization`: `Bearer <key>`, or `Basic` with the key as password (any user name); null otherwise. */
export function presentedKey(header: string | undefined): string | null {
  if (!header || header.length > 1024) return null;
  const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
}

/**
 * Guards the queue inspector when API keys are configured. A browser cannot add a
 * Bearer header to a page it opens, so besides `Bearer <key>` this takes HTTP Basic
 * with the key as password (RFC 7617; the browser asks once and sends it with every
 * request of the inspector). The key's name must be one of `adminNames`: the inspector
 * shows every key's jobs. Anything else: 401 `unauthorized` with a Basic challenge,
 * counted in `tts_requests_refused_total{reason="unauthorized"}`.
 */
export function adminAuth(keys: KeyStore, adminNames: readonly string[], metrics: Pick<ApiMetrics, "requestsRefused">): RequestHandler {
  return (req, res, next) => {
    const key = presentedKey(req.headers.authorization);
    const name = key === null ? null : keys.identify(key);
    if (name !== null && adminNames.includes(name)) {
      setApiKey(res, name);
      return next();
    }
    metrics.requestsRefused.inc({ reason: "unauthorized" });
    res.set("WWW-Authenticate", `Basic realm="${ADMIN_REALM}", charset="UTF-8"`);
    const message =
      name === null
        ? "the queue inspector needs an API key of ADMIN_KEY_NAMES (Basic auth with the key as password, or Bearer)"
        : `the API key ${name} may not open the queue inspector (ADMIN_KEY_NAMES)`;
    next(new VoxqueueError("unauthorized", message, "Authorization"));
  };
}
