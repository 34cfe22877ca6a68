export { ConfigError, DEFAULT_VOICES_DIR, REPO_ROOT, type EnvSource } from "./common.js";
export { jobBodyLimitBytes, parseApiEnv, type ApiConfig } from "./api.js";
export { parseWorkerEnv, type WorkerConfig } from "./worker.js";
export {
  CLUSTER_QUEUE_PREFIX,
  checkRedisTopology,
  describeRedisTopology,
  hasHashTag,
  queuePrefix,
  redisTopologyEnvShape,
  type RedisNodeAddress,
  type RedisTopologyConfig,
} from "./redis-topology.js";
