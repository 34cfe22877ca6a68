import type { RedisOptions, Redis } from "ioredis";
import type { Logger } from "pino";
import { describeRedisTopology, type RedisTopologyConfig } from "@voxqueue/config";
import { createRedis } from "./redis-client.js";
import { checkRedisServer } from "./redis-server.js";

/**
 * An app's Redis connection: {@link createRedis} for the configured topology, then on
 * every `ready` (the first connect and each reconnect: a Redis that came back may have
 * come back with other settings) one info line `redis ready` naming the topology and
 * one warning per risky server setting ({@link checkRedisServer}; it never throws).
 * Errors are the caller's to log (each app has its once-per-outage logger).
 */
export function connectRedis(config: RedisTopologyConfig, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = createRedis(config, options);
  redis.on("ready", () => logger.info({ redis: describeRedisTopology(config) }, "redis ready"));
  redis.on("ready", () => void warnAboutRedis(redis, logger));
  return redis;
}

/** Logs a warning for each Redis setting that puts queued jobs at risk. */
async function warnAboutRedis(redis: Redis, logger: Logger): Promise<void> {
  const { settings, warnings } = await checkRedisServer(redis);
  for (const warning of warnings) logger.warn({ redis_settings: settings }, warning);
}
