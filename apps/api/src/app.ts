import express, { type Express } from "express";
import helmet from "helmet";
import { errorHandler, notFound } from "./errors.js";
import { observeRequests } from "./observe.js";
import { QueuePool } from "./queues.js";
import { traceRequests } from "./request-span.js";
import { adminQueuesRouter } from "./routes/admin-queues.js";
import { consoleRouter } from "./routes/console.js";
import { healthRouter } from "./routes/health.js";
import { jobsRouter } from "./routes/jobs.js";
import { metricsRouter } from "./routes/metrics.js";
import { textRouter } from "./routes/text.js";
import { authenticate } from "./security/authenticate.js";
import { requestIds } from "./security/request-id.js";
import { speechRouter } from "./routes/speech.js";
import { statsRouter } from "./routes/stats.js";
import { voicesRouter } from "./routes/voices.js";
import type { AppDeps } from "./types.js";

/**
 * The API as an Express app, without a port: `main.ts` listens with it, tests call
 * it through supertest. Every non-2xx answer is `{error: {type, message, field?}}`.
 * With `deps.keys`, every `/v1` route needs an API key (see `security/`).
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  const queues =
    deps.queues ??
    new QueuePool(deps.queue, deps.redis, { pools: deps.config.VOICE_POOLS, eventsMaxLen: deps.config.QUEUE_EVENTS_MAX_LEN, logger: deps.logger });
  // Security headers (nosniff, frame-ancestors 'none' by CSP, no referrer, ...) on every answer.
  app.use(helmet());
  app.use(traceRequests(deps));
  app.use(requestIds());
  app.use(observeRequests(deps));
  app.use(healthRouter(deps));
  app.use(metricsRouter(deps));
  app.use(consoleRouter());
  app.use(adminQueuesRouter(deps, queues));
  // Probes and scrapes above stay open; everything under /v1 needs a key once keys are configured.
  if (deps.keys) app.use("/v1", authenticate(deps.keys, deps.metrics));
  app.use(voicesRouter(deps));
  app.use(statsRouter(deps, queues));
  app.use(jobsRouter(deps, queues));
  app.use(textRouter(deps));
  app.use(speechRouter(deps, queues));
  app.use(notFound);
  app.use(errorHandler({ logger: deps.logger, metrics: deps.metrics, maxBodyBytes: deps.config.MAX_BODY_BYTES }));
  return app;
}
