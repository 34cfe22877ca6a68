// What the apps share to run as processes (see README, Layout).
export { openQueue, type QueueOptions } from "./queue.js";
export { createRedis, duplicateRedis } from "./redis-client.js";
export { connectRedis } from "./redis-connection.js";
export { EXPECTED_REDIS_SETTINGS, checkRedisServer, type RedisCommander, type RedisServerCheck } from "./redis-server.js";
export { stopOnSignals, type ShutdownOptions, type SignalSource } from "./shutdown.js";
export { TimeLimitError, settleWithin, settlesWithin } from "./settle.js";
