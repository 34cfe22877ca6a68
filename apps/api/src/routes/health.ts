import { Router } from "express";
import { methodNotAllowed, redisStep } from "../errors.js";
import type { AppDeps } from "../types.js";

/** How long `/readyz` waits for each Redis answer. */
export const READINESS_TIMEOUT_MS = 1_000;

/** What `/readyz` checked: Redis answered PING; some worker sent a heartbeat recently. */
export interface ReadinessChecks {
  redis: "ok" | "down";
  /** `unknown` when Redis is down. */
  workers: "ok" | "none" | "unknown";
  /** Redis' maxmemory-policy: `unsafe` (not noeviction: not ready), `unsafe_allowed` (ALLOW_UNSAFE_REDIS), `ok` or unknown. */
  redis_settings?: "ok" | "unsafe" | "unsafe_allowed";
}

/**
 * `GET /healthz`: liveness, touches nothing. `GET /readyz`: 200 when Redis answers
 * PING and a worker heartbeat is younger than `WORKER_STALE_SECONDS`, else 503 with
 * `{status: "unready", checks, error}`.
 */
export function healthRouter(deps: Pick<AppDeps, "redis" | "fleet" | "config" | "redisSafety">): Router {
  const router = Router();
  router
    .route("/healthz")
    .get((_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/readyz")
    .get(async (_req, res) => {
      const checks: ReadinessChecks = { redis: "down", workers: "unknown" };
      const pong = await redisStep("ping", () => deps.redis.ping(), READINESS_TIMEOUT_MS).catch(() => null);
      if (pong === "PONG") {
        checks.redis = "ok";
        const staleMs = deps.config.WORKER_STALE_SECONDS * 1000;
        const live = await redisStep("read heartbeats", () => deps.fleet.liveWorkers(staleMs), READINESS_TIMEOUT_MS).catch(() => null);
        if (live) checks.workers = live.length > 0 ? "ok" : "none";
      }
      // Redis that may evict keys is not ready for a queue (unless ALLOW_UNSAFE_REDIS).
      const unsafe = deps.redisSafety?.readinessProblem() ?? null;
      if (deps.redisSafety) checks.redis_settings = unsafe ? "unsafe" : deps.redisSafety.unsafeSetting() ? "unsafe_allowed" : "ok";
      if (checks.redis === "ok" && checks.workers === "ok" && !unsafe) {
        res.json({ status: "ready", checks });
        return;
      }
      const reason =
        checks.redis === "down" ? "Redis does not answer" : unsafe ? unsafe : `no worker heartbeat in the last ${deps.config.WORKER_STALE_SECONDS} s`;
      res.status(503).json({ status: "unready", checks, error: { type: "service_unavailable", message: reason } });
    })
    .all(methodNotAllowed(["GET"]));
  return router;
}
