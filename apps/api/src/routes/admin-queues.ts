import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { Router, type RequestHandler } from "express";
import { VoxqueueError } from "@voxqueue/contracts";
import { adminAuth } from "../security/admin-auth.js";
import type { QueuePool } from "../queues.js";
import type { AppDeps } from "../types.js";

/** Where the queue inspector is served. */
export const ADMIN_QUEUES_PATH = "/admin/queues";

/**
 * The inspector's Content-Security-Policy: its scripts and styles come from this
 * origin (bull-board's own build); the web font its page links from a CDN is blocked,
 * so opening the inspector contacts no third party (the UI falls back to system fonts).
 */
export const ADMIN_QUEUES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join("; ");

const inspectorHeaders: RequestHandler = (_req, res, next) => {
  res.set({ "Content-Security-Policy": ADMIN_QUEUES_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store" });
  next();
};

/** In read-only mode, anything but GET/HEAD answers 405 before bull-board sees it. */
const readOnly: RequestHandler = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD") return next();
  res.set("Allow", "GET, HEAD");
  next(new VoxqueueError("method_not_allowed", "the queue inspector is read-only (ADMIN_QUEUES=read-only); set ADMIN_QUEUES=actions to allow changes"));
};

/**
 * bull-board (`@bull-board/express`) on every queue the API reads (one per voice pool) at {@link ADMIN_QUEUES_PATH},
 * as `ADMIN_QUEUES` says: `read-only` (bull-board's read-only mode, and every
 * non-GET request refused with 405), `actions`, or `off` (an empty router: 404).
 * With API keys (`deps.keys`), only the keys named in `ADMIN_KEY_NAMES` get in (`adminAuth`).
 */
export function adminQueuesRouter(deps: Pick<AppDeps, "config" | "keys" | "metrics">, queues: QueuePool): Router {
  const router = Router();
  const mode = deps.config.ADMIN_QUEUES;
  if (mode === "off") return router;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  const readOnlyMode = mode === "read-only";
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "voxqueue queues" } },
  });
  const guard = deps.keys ? [adminAuth(deps.keys, deps.config.ADMIN_KEY_NAMES, deps.metrics)] : [];
  router.use(ADMIN_QUEUES_PATH, inspectorHeaders, ...guard, ...(readOnlyMode ? [readOnly] : []), serverAdapter.getRouter() as Router);
  return router;
}
