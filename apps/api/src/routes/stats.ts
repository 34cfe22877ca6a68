import { Router } from "express";
import type { StatsView } from "@voxqueue/contracts";
import { assertConnected, methodNotAllowed, redisStep } from "../errors.js";
import { readStats } from "../stats.js";
import type { QueuePool } from "../queues.js";
import type { AppDeps } from "../types.js";

/** A reading younger than this is served again (many open consoles cost Redis one reading per second). */
export const STATS_CACHE_MS = 1_000;

/** `GET /v1/stats`: {@link StatsView} of every queue the API reads (see `readStats`); 503 while Redis is away. */
export function statsRouter(deps: Pick<AppDeps, "redis">, queues: QueuePool): Router {
  const router = Router();
  let cached: { at: number; stats: Promise<StatsView> } | undefined;
  router
    .route("/v1/stats")
    .get(async (_req, res) => {
      assertConnected(deps.redis);
      const now = Date.now();
      if (!cached || now - cached.at >= STATS_CACHE_MS) {
        const stats = redisStep("read queue stats", () => readStats(queues.all(), now));
        cached = { at: now, stats };
        // A failed reading is not served to the next caller.
        stats.catch(() => (cached = undefined));
      }
      res.set("Cache-Control", "no-store").json(await cached.stats);
    })
    .all(methodNotAllowed(["GET"]));
  return router;
}
