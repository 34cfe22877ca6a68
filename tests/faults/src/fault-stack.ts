import { Redis } from "ioredis";
import { startStack, type StackOptions, type TestStack } from "@voxqueue/e2e";
import { startRedisServer, type RedisServer } from "./redis-server.js";

/** One fault test's world: its own redis-server (AOF, free port), a client on it, the API and workers. */
export interface FaultStack {
  server: RedisServer;
  redis: Redis;
  stack: TestStack;
}

/**
 * Starts a redis-server of the test's own, a client with `maxRetriesPerRequest: null`
 * that survives restarts quietly, and the API and worker processes on it. Whatever
 * started is stopped again when a later step fails.
 */
export async function startFaultStack(opts: Omit<StackOptions, "redisUrl">): Promise<FaultStack> {
  const server = await startRedisServer();
  const redis = new Redis(server.url(), { maxRetriesPerRequest: null });
  redis.on("error", () => undefined); // tests stop and restart this server on purpose
  try {
    const stack = await startStack({ ...opts, redisUrl: server.url() });
    return { server, redis, stack };
  } catch (err) {
    redis.disconnect();
    await server.destroy();
    throw err;
  }
}

/** Stops the apps, the client and the redis-server of {@link startFaultStack}; tolerates a partial start. */
export async function stopFaultStack(world: Partial<FaultStack>): Promise<void> {
  await world.stack?.stop();
  world.redis?.disconnect();
  await world.server?.destroy();
}
