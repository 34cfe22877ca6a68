import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, until } from "@voxqueue/e2e";
import { startRedisServer, type RedisServer } from "./redis-server.js";

const run = promisify(execFile);

/** Redis Cluster's bus port of a node: its port + 10000. */
const BUS_PORT_OFFSET = 10_000;

/** Three primaries of a Redis Cluster (no replicas) on loopback ports of one test. */
export interface RedisCluster {
  servers: RedisServer[];
  /** `REDIS_CLUSTER_NODES` for the apps: every node as a seed. */
  env: { REDIS_CLUSTER_NODES: string };
  /** A Cluster client (ioredis), for the test's own reads. */
  client(): Redis;
  /** Stops the nodes and removes their folders. */
  destroy(): Promise<void>;
}

/**
 * Ports for the nodes: `FAULTS_CLUSTER_PORTS` (comma-separated, when a machine hands out
 * fixed ports), else free ports whose bus port (+10000) is free too.
 */
async function clusterPorts(count: number): Promise<number[]> {
  const fixed = process.env.FAULTS_CLUSTER_PORTS?.split(",")
    .map((p) => Number(p.trim()))
    .filter((p) => p > 0);
  if (fixed?.length) {
    if (fixed.length !== count) throw new Error(`FAULTS_CLUSTER_PORTS names ${fixed.length} ports; the cluster needs ${count}`);
    return fixed;
  }
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (port + BUS_PORT_OFFSET > 65_535 || ports.includes(port)) continue;
    if (await busPortFree(port + BUS_PORT_OFFSET)) ports.push(port);
  }
  return ports;
}

async function busPortFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Starts three `redis-server --cluster-enabled yes` (AOF, `noeviction`, each in its own
 * folder), joins them with `redis-cli --cluster create … --cluster-replicas 0` (the
 * slots split in three), and waits until every node reports `cluster_state:ok` and
 * knows the other two.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const ports = await clusterPorts(3);
  const servers: RedisServer[] = [];
  const destroy = async () => {
    await Promise.all(servers.map((s) => s.destroy()));
  };
  try {
    for (const port of ports) {
      servers.push(
        await startRedisServer({ port, args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"] }),
      );
    }
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports) {
      await until(
        `cluster node ${port}: cluster_state:ok with 3 nodes`,
        async () => {
          const node = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          node.on("error", () => undefined);
          try {
            await node.connect();
            const info = (await node.call("CLUSTER", "INFO")) as string;
            return /cluster_state:ok/.test(info) && /cluster_known_nodes:3\b/.test(info) ? true : undefined;
          } finally {
            node.disconnect();
          }
        },
        60_000,
        200,
      );
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  const nodes = ports.map((port) => ({ host: "127.0.0.1", port }));
  return {
    servers,
    env: { REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(",") },
    client: () => new Redis.Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } }) as unknown as Redis,
    destroy,
  };
}
