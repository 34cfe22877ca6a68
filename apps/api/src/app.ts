import express, { type Express } from "express";
import { errorHandler, notFound } from "./errors.js";
import { observeRequests } from "./observe.js";
import { QueuePool } from "./queues.js";
import { traceRequests } from "./request-span.js";
import { healthRouter } from "./routes/health.js";
import { jobsRouter } from "./routes/jobs.js";
import { metricsRouter } from "./routes/metrics.js";
import { textRouter } from "./routes/text.js";
import { voicesRouter } from "./routes/voices.js";
import type { AppDeps } from "./types.js";

/**
 * The API as an Express app, without a port: `main.ts` listens with it, tests call
 * it through supertest. Every non-2xx answer is `{error: {type, message, field?}}`.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  const queues = deps.queues ?? new QueuePool(deps.queue, deps.redis, deps.logger);
  app.use(traceRequests(deps));
  app.use(observeRequests(deps));
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  app.use(voicesRouter(deps));
  app.use(jobsRouter(deps, queues));
  app.use(textRouter(deps));
  app.use(notFound);
  app.use(errorHandler({ logger: deps.logger, metrics: deps.metrics, maxBodyBytes: deps.config.MAX_BODY_BYTES }));
  return app;
}
