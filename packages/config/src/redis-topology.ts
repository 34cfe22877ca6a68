import { z } from "zod";

/** A Redis node's address, as `REDIS_SENTINELS` and `REDIS_CLUSTER_NODES` name them. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** `host:port,host:port` (IPv6 as `[::1]:26379`) → addresses; at least one. */
const nodeList = () =>
  z.string().transform((v, ctx) => {
    const nodes: RedisNodeAddress[] = [];
    for (const item of v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")) {
      const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(item);
      const port = m ? Number(m[3]) : NaN;
      if (!m || port < 1 || port > 65_535) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: m[1] ?? m[2]!, port });
    }
    if (nodes.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one host:port" });
    return nodes;
  });

/**
 * How the apps reach Redis, besides `REDIS_URL` (which keeps giving the user name,
 * password, database and `rediss://` TLS of the data nodes):
 * - `REDIS_SENTINELS=host:port,...` (+ `REDIS_SENTINEL_NAME`, `REDIS_SENTINEL_PASSWORD`):
 *   ask these Sentinels for the primary of that name, and again after every failover;
 * - `REDIS_CLUSTER_NODES=host:port,...`: a Redis Cluster reached through these seed nodes
 *   (BullMQ's keys then need a `{…}` hash-tagged `QUEUE_PREFIX`).
 * At most one of the two may be set.
 */
export const redisTopologyEnvShape = {
  REDIS_SENTINELS: nodeList().optional(),
  /** The primary's name in the Sentinels' configuration (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: z.string().min(1).default("mymaster"),
  /** Password of the Sentinels themselves (`requirepass` in sentinel.conf), when they have one. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: nodeList().optional(),
  /**
   * Prefix of BullMQ's keys (`<prefix>:<queue>:…`). Unset: `bull` (BullMQ's own), or
   * {@link CLUSTER_QUEUE_PREFIX} with `REDIS_CLUSTER_NODES`. On a Cluster it must hold a
   * `{…}` hash tag: BullMQ's scripts touch several keys of a queue, and a flow (a job
   * and its webhook delivery) keys of two queues, which must all share one slot.
   */
  QUEUE_PREFIX: z.string().min(1).max(200).optional(),
};

/** BullMQ's key prefix on a Redis Cluster when `QUEUE_PREFIX` is unset: every queue's keys in one hash slot. */
export const CLUSTER_QUEUE_PREFIX = "{voxqueue}";

/** BullMQ's default key prefix, kept on a single server and with Sentinel so existing queues keep their keys. */
const DEFAULT_QUEUE_PREFIX = "bull";

/**
 * True when every key that starts with `prefix` hashes to one Cluster slot: Redis hashes
 * only the part between the first `{` and the first `}` after it, when that part is not empty.
 */
export function hasHashTag(prefix: string): boolean {
  return /^[^{]*\{[^}]+\}/.test(prefix);
}

/** The settings {@link redisTopologyEnvShape} reads, plus `REDIS_URL`. */
export interface RedisTopologyConfig {
  REDIS_URL: string;
  REDIS_SENTINELS?: RedisNodeAddress[] | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_CLUSTER_NODES?: RedisNodeAddress[] | undefined;
  QUEUE_PREFIX?: string | undefined;
}

/** The `prefix` of every BullMQ queue, worker and flow producer of the apps (see `QUEUE_PREFIX`). */
export function queuePrefix(c: Pick<RedisTopologyConfig, "REDIS_CLUSTER_NODES" | "QUEUE_PREFIX">): string {
  return c.QUEUE_PREFIX ?? (c.REDIS_CLUSTER_NODES ? CLUSTER_QUEUE_PREFIX : DEFAULT_QUEUE_PREFIX);
}

/**
 * A refinement for env schemas that spread {@link redisTopologyEnvShape}: Sentinel and
 * Cluster exclude each other, and on a Cluster `QUEUE_PREFIX` needs a hash tag.
 */
export function checkRedisTopology(c: Pick<RedisTopologyConfig, "REDIS_SENTINELS" | "REDIS_CLUSTER_NODES" | "QUEUE_PREFIX">, ctx: z.RefinementCtx): void {
  if (c.REDIS_SENTINELS && c.REDIS_CLUSTER_NODES) {
    ctx.addIssue({ code: "custom", path: ["REDIS_CLUSTER_NODES"], message: "set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both" });
  }
  if (c.REDIS_CLUSTER_NODES && c.QUEUE_PREFIX !== undefined && !hasHashTag(c.QUEUE_PREFIX)) {
    ctx.addIssue({
      code: "custom",
      path: ["QUEUE_PREFIX"],
      message: `needs a {hash tag} with REDIS_CLUSTER_NODES, e.g. ${CLUSTER_QUEUE_PREFIX} (BullMQ's keys of all queues must share one slot)`,
    });
  }
}

/** One line for logs: what the apps connect to (no password). */
export function describeRedisTopology(c: RedisTopologyConfig): string {
  const list = (nodes: RedisNodeAddress[]) => nodes.map((n) => `${n.host}:${n.port}`).join(",");
  if (c.REDIS_SENTINELS) return `sentinel ${c.REDIS_SENTINEL_NAME} via ${list(c.REDIS_SENTINELS)}`;
  if (c.REDIS_CLUSTER_NODES) return `cluster via ${list(c.REDIS_CLUSTER_NODES)}`;
  const u = new URL(c.REDIS_URL);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
