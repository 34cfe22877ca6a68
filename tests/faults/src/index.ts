// The fault harness its tests use.

// jobs and queue audits
export { auditJobs, bullKey, completionsByJob, queueCounts, submitJob, waitForDrain } from "./jobs.js";
export type { Submission } from "./jobs.js";

// measuring
export { mib, rssBytes, Sampler } from "./measure.js";

// a Redis server of its own
export { startRedisServer } from "./redis-server.js";
export type { RedisServer } from "./redis-server.js";

// bursts
export { runBurst } from "./burst.js";

// the stack under faults
export { startFaultStack, stopFaultStack } from "./fault-stack.js";

// Redis Sentinel
export { startSentinelGroup } from "./sentinel.js";
export type { SentinelGroup } from "./sentinel.js";

// Redis Cluster
export { startRedisCluster } from "./redis-cluster.js";
export type { RedisCluster } from "./redis-cluster.js";
