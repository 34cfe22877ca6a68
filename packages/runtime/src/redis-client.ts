import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisTopologyConfig } from "@voxqueue/config";

/**
 * Options every voxqueue Redis connection gets from `REDIS_URL` whatever the topology:
 * user name, password, database and TLS (`rediss://`).
 */
function urlOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = Number(u.pathname.slice(1) || 0);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * A write that reached a primary which was demoted to a replica meanwhile (a failover)
 * answers `READONLY`: reconnect (Sentinel then names the new primary) and send it again.
 */
function reconnectOnReadOnly(err: Error): 2 | false {
  return err.message.startsWith("READONLY") ? 2 : false;
}

/**
 * Opens a Redis connection as the configuration says: one server at `REDIS_URL`, the
 * primary the Sentinels name (`REDIS_SENTINELS`; after a failover ioredis asks them again,
 * and `failoverDetector` reconnects as soon as they announce a new primary), or a Redis
 * Cluster (`REDIS_CLUSTER_NODES`). `options` are ioredis' per-connection options (for
 * BullMQ's blocking connections `maxRetriesPerRequest: null`); in a cluster they apply to
 * each node's connection, and `enableOfflineQueue` to the cluster too.
 *
 * A `Cluster` is returned typed as `Redis`: it answers the same commands, and BullMQ
 * and the apps use nothing else (multi-key commands must keep to one hash slot).
 */
export function createRedis(config: RedisTopologyConfig, options: RedisOptions = {}): Redis {
  if (config.REDIS_CLUSTER_NODES) {
    const { db: _db, ...nodeOptions } = { ...urlOptions(config.REDIS_URL), reconnectOnError: reconnectOnReadOnly, ...options };
    const cluster = new Cluster(config.REDIS_CLUSTER_NODES, {
      redisOptions: nodeOptions,
      ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
      ...(options.retryStrategy ? { clusterRetryStrategy: options.retryStrategy } : {}),
    });
    return cluster as unknown as Redis;
  }
  if (config.REDIS_SENTINELS) {
    return new Redis({
      ...urlOptions(config.REDIS_URL),
      reconnectOnError: reconnectOnReadOnly,
      ...options,
      sentinels: config.REDIS_SENTINELS,
      name: config.REDIS_SENTINEL_NAME,
      ...(config.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: config.REDIS_SENTINEL_PASSWORD } : {}),
      failoverDetector: true,
    });
  }
  return new Redis(config.REDIS_URL, { reconnectOnError: reconnectOnReadOnly, ...options });
}

/**
 * A new connection to what `redis` reaches (the same server, Sentinels or Cluster nodes,
 * with the same credentials) with `options` on top, for a blocking reader (XREAD BLOCK,
 * BullMQ's queue events) that must not hold the shared connection. On a Cluster the
 * options apply to each node's connection, and `enableOfflineQueue` to the cluster too.
 * The caller disconnects it.
 */
export function duplicateRedis(redis: Redis, options: RedisOptions = {}): Redis {
  const cluster = redis as unknown as Cluster;
  if (cluster.isCluster) {
    return cluster.duplicate([], {
      redisOptions: { ...cluster.options.redisOptions, ...options },
      ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
    }) as unknown as Redis;
  }
  return redis.duplicate(options);
}
