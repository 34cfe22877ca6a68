import { Router } from "express";
import type { Registry } from "prom-client";
import { METRIC, type Logger } from "@voxqueue/telemetry";
import { methodNotAllowed, redisStep } from "../errors.js";
import type { AppDeps } from "../types.js";

/** Gauges whose values are read from Redis at scrape time. */
const REDIS_BACKED_METRICS = new Set<string>([METRIC.queueLength, METRIC.queueJobs]);

/** Prometheus text of every metric except the Redis-backed gauges (same layout as `registry.metrics()`). */
async function metricsWithoutRedis(registry: Registry): Promise<string> {
  const names = registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .filter((name) => !REDIS_BACKED_METRICS.has(name));
  const texts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
  return `${texts.join("\n\n")}\n`;
}

/**
 * `GET /metrics`: the Prometheus text of the registry. The queue gauges read Redis
 * at scrape time; while Redis is unreachable they are left out (absent, not zero)
 * and the rest is served, so the API's own error rate stays visible in an outage.
 */
export function metricsRouter(deps: Pick<AppDeps, "registry" | "redis"> & { logger?: Logger }): Router {
  const router = Router();
  router
    .route("/metrics")
    .get(async (_req, res) => {
      let text: string;
      if (deps.redis.status === "ready") {
        text = await redisStep("collect metrics", () => deps.registry.metrics()).catch(async (err: unknown) => {
          deps.logger?.warn({ err }, "queue gauges unavailable; serving the other metrics");
          return metricsWithoutRedis(deps.registry);
        });
      } else {
        text = await metricsWithoutRedis(deps.registry);
      }
      res.type(deps.registry.contentType).send(text);
    })
    .all(methodNotAllowed(["GET"]));
  return router;
}
