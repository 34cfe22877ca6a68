import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { AudioStore } from "@voxqueue/audio-store";
import { queuePrefix, type ApiConfig } from "@voxqueue/config";
import type { SynthJobData, SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { connectRedis, openQueue } from "@voxqueue/runtime";
import { JOB_STATES, createApiMetrics, outageLogger, type Logger } from "@voxqueue/telemetry";
import { createApp } from "./app.js";
import { DefaultVoiceWatch } from "./default-voice.js";
import { JobEventHub } from "./job-events.js";
import { QueuePool } from "./queues.js";
import { RedisSafety } from "./redis-safety.js";
import { applyServerLimits, httpServerOptions } from "./server-limits.js";
import { loadKeys } from "./security/load-keys.js";

/** A running API; `stop` drains it. */
export interface ApiHandle {
  /** Where it listens, e.g. `http://127.0.0.1:8080` (the bound port when `PORT` is 0). */
  url: string;
  /**
   * Stops taking connections, lets requests in flight finish for up to
   * `SHUTDOWN_GRACE_SECONDS` (then closes what is still open), ends long polls and event
   * streams, and closes the queues and the Redis connection. Never rejects; a second
   * call returns the first one's promise.
   */
  stop(): Promise<void>;
}

/** What {@link startApi} needs besides the configuration. */
export interface StartApiOptions {
  logger: Logger;
  /** How traces leave the process (`startTracing(...).mode`), named in the `listening on` line. */
  tracingMode?: string;
}

/**
 * One connection for everything the API does in Redis (BullMQ's Queue shares it).
 * No offline queue and one retry: while Redis is away commands fail at once and
 * requests answer 503 instead of waiting; ioredis keeps reconnecting meanwhile.
 */
function connectApiRedis(config: ApiConfig, logger: Logger): Redis {
  return connectRedis(config, logger, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

async function listen(server: Server, port: number, host: string): Promise<string> {
  server.listen(port, host);
  await once(server, "listening");
  const { address, port: bound } = server.address() as AddressInfo;
  return `http://${address.includes(":") ? `[${address}]` : address}:${bound}`;
}

/**
 * Starts the API: reads `API_KEYS_FILE` (throws `ApiKeysFileError` when it does not
 * parse), connects to Redis, opens the queue, watches Redis' settings and the default
 * voice, and serves the app on `HOST:PORT`. Rejects with the listen error (`EADDRINUSE`,
 * ...; see {@link startFailureMessage}) after closing what it opened.
 */
export async function startApi(config: ApiConfig, opts: StartApiOptions): Promise<ApiHandle> {
  const { logger } = opts;
  const keys = loadKeys(config, logger);
  const redis = connectApiRedis(config, logger);
  const warnOnce = outageLogger(logger, redis);
  redis.on("error", (err: Error) => warnOnce(err, "redis error"));
  const queue = openQueue<SynthJobData, SynthJobResult>(config.QUEUE_NAME, {
    connection: redis,
    prefix: queuePrefix(config),
    eventsMaxLen: config.QUEUE_EVENTS_MAX_LEN,
    onError: (err) => warnOnce(err, `queue ${config.QUEUE_NAME}: error`),
  });
  const queues = new QueuePool(queue, redis, { pools: config.VOICE_POOLS, eventsMaxLen: config.QUEUE_EVENTS_MAX_LEN, logger });
  const registry = new Registry();
  // The queue gauges carry one `queue` series set per voice pool's queue: KEDA scales each pool on its own.
  const counted = queues.all().map((q) => ({ queue: q.name, readCounts: () => q.getJobCounts(...JOB_STATES) }));
  const metrics = createApiMetrics(registry, { queue: queue.name, readCounts: counted[0]!.readCounts, queues: counted });
  const jobEvents = new JobEventHub(queues.all(), redis, logger);
  const redisSafety = new RedisSafety(redis, { config, logger, registry }).start();
  const fleet = new FleetRegistry(redis);
  // Which voice requests without one get: logged, and warned about while it is left to chance.
  const defaultVoice = new DefaultVoiceWatch(fleet, {
    defaultVoice: config.DEFAULT_VOICE,
    catalogMaxAgeMs: config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000,
    logger,
  }).start();
  const app = createApp({
    jobEvents,
    config,
    queue,
    queues,
    redis,
    audioStore: new AudioStore(redis, config.AUDIO_TTL_SECONDS),
    fleet,
    metrics,
    registry,
    logger,
    redisSafety,
    ...(keys ? { keys } : {}),
  });

  /** Closes everything but the HTTP server, in the order requests depend on it. */
  const closeConnections = async (): Promise<void> => {
    redisSafety.stop();
    defaultVoice.stop();
    keys?.close();
    await queues.close().catch((err: unknown) => logger.warn({ err }, "closing queues failed"));
    await queue.close().catch((err: unknown) => logger.warn({ err }, "closing queue failed"));
    await redis.quit().catch(() => redis.disconnect());
  };

  const server = applyServerLimits(createServer(httpServerOptions(config), app), config);
  let url: string;
  try {
    url = await listen(server, config.PORT, config.HOST);
  } catch (err) {
    await jobEvents.close().catch(() => undefined);
    await closeConnections();
    throw err;
  }
  logger.info(
    { url, queue: queue.name, queues: queues.all().map((q) => q.name), ...(opts.tracingMode ? { tracing: opts.tracingMode } : {}) },
    `listening on ${url}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    logger.info({ grace_s: config.SHUTDOWN_GRACE_SECONDS }, "no new connections, draining requests");
    // Keep-alive clients get `Connection: close` so they reconnect elsewhere.
    server.prependListener("request", (_req, res) => res.setHeader("Connection", "close"));
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      logger.warn("grace period over: closing open connections");
      server.closeAllConnections();
    }, config.SHUTDOWN_GRACE_SECONDS * 1000);
    // Long polls answer with the job as it is; event streams end.
    await jobEvents.close().catch((err: unknown) => logger.warn({ err }, "closing job events failed"));
    await drained;
    clearTimeout(deadline);
    await closeConnections();
    logger.info("stopped");
  };
  return { url, stop: () => (stopping ??= stop()) };
}

/** The fatal line's message when {@link startApi} fails: what failed, and for a busy port what to do. */
export function startFailureMessage(err: unknown, config: Pick<ApiConfig, "HOST" | "PORT">): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE")
    return `api failed to start: ${config.HOST}:${config.PORT} is already in use (another process listens there; set PORT to a free port)`;
  if (e.code === "EACCES") return `api failed to start: no permission to listen on ${config.HOST}:${config.PORT}`;
  if (e.code === "EADDRNOTAVAIL") return `api failed to start: ${config.HOST} is not an address of this host (HOST)`;
  return `api failed to start: ${err instanceof Error ? err.message : String(err)}`;
}
