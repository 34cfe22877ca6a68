/**
 * The API process: reads the environment, connects to Redis, serves the app on
 * HOST:PORT and shuts down cleanly on SIGTERM/SIGINT. Exit codes: 0 after a clean
 * shutdown, 1 on a startup failure (or a second signal), 2 on invalid configuration
 * (a variable, or an API_KEYS_FILE that cannot be read or parsed).
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { AudioStore } from "@voxqueue/audio-store";
import { ConfigError, parseApiEnv, type ApiConfig } from "@voxqueue/config";
import { ApiKeysFileError, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { connectRedis, openQueue } from "@voxqueue/runtime";
import { JOB_STATES, SERVICE, createApiMetrics, createLogger, outageLogger, startTracing, type Logger } from "@voxqueue/telemetry";
import { createApp } from "./app.js";
import { DefaultVoiceWatch } from "./default-voice.js";
import { JobEventHub } from "./job-events.js";
import { QueuePool } from "./queues.js";
import { RedisSafety } from "./redis-safety.js";
import { applyServerLimits, httpServerOptions } from "./server-limits.js";
import { loadKeys } from "./security/load-keys.js";

function readConfig(): ApiConfig {
  try {
    return parseApiEnv(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
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

/** The process's configuration and logger once read (the fatal line of a failed start uses them). */
let processConfig: ApiConfig | undefined;
let processLogger: Logger | undefined;

/** The message of the fatal line when the API cannot start: what failed, and for a busy port what to do. */
function startFailure(err: unknown, config: ApiConfig | undefined): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE" && config) return `api failed to start: ${config.HOST}:${config.PORT} is already in use (another process listens there; set PORT to a free port)`;
  if (e.code === "EACCES" && config) return `api failed to start: no permission to listen on ${config.HOST}:${config.PORT}`;
  if (e.code === "EADDRNOTAVAIL" && config) return `api failed to start: ${config.HOST} is not an address of this host (HOST)`;
  return `api failed to start: ${err instanceof Error ? err.message : String(err)}`;
}

async function main(): Promise<void> {
  // First: every span and log line after this can carry a trace (OTEL_* variables).
  const tracing = startTracing(SERVICE.api);
  const config = readConfig();
  processConfig = config;
  const logger = createLogger("api", config.LOG_LEVEL);
  processLogger = logger;
  const keys = loadKeys(config, logger);
  const redis = connectApiRedis(config, logger);
  const warnOnce = outageLogger(logger, redis);
  redis.on("error", (err: Error) => warnOnce(err, "redis error"));
  const queue = openQueue<SynthJobData, SynthJobResult>(config.QUEUE_NAME, { connection: redis, eventsMaxLen: config.QUEUE_EVENTS_MAX_LEN, onError: (err) => warnOnce(err, `queue ${config.QUEUE_NAME}: error`) });
  const queues = new QueuePool(queue, redis, logger);
  const registry = new Registry();
  const metrics = createApiMetrics(registry, { queue: queue.name, readCounts: () => queue.getJobCounts(...JOB_STATES) });
  const jobEvents = new JobEventHub(queue, redis, logger);
  const redisSafety = new RedisSafety(redis, { config, logger, registry }).start();
  const fleet = new FleetRegistry(redis);
  // Which voice requests without one get: logged, and warned about while it is left to chance.
  new DefaultVoiceWatch(fleet, { defaultVoice: config.DEFAULT_VOICE, catalogMaxAgeMs: config.VOICE_CATALOG_MAX_AGE_SECONDS * 1000, logger }).start();
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

  const server = applyServerLimits(createServer(httpServerOptions(config), app), config);
  const url = await listen(server, config.PORT, config.HOST);
  logger.info({ url, queue: queue.name, tracing: tracing.mode }, `listening on ${url}`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, grace_s: config.SHUTDOWN_GRACE_SECONDS }, "shutting down: no new connections, draining requests");
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
    keys?.close();
    await queues.close().catch((err: unknown) => logger.warn({ err }, "closing queues failed"));
    await queue.close().catch((err: unknown) => logger.warn({ err }, "closing queue failed"));
    await redis.quit().catch(() => redis.disconnect());
    await tracing.shutdown();
    logger.info("stopped");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, (s) => void shutdown(s));
}

main().catch((err: unknown) => {
  // One JSON line (pino writes stdout synchronously), then exit: no plain-text dump.
  (processLogger ?? createLogger("api")).fatal({ err }, startFailure(err, processConfig));
  // A bad API_KEYS_FILE is invalid configuration (exit 2), like a bad variable.
  process.exit(err instanceof ApiKeysFileError ? 2 : 1);
});
