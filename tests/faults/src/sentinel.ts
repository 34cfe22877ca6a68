import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, until } from "@voxqueue/e2e";
import { startRedisServer, type RedisServer } from "./redis-server.js";

/** The name the Sentinels of {@link startSentinelGroup} monitor the primary under. */
export const SENTINEL_MASTER_NAME = "vqprimary";

/** A primary, its replica and three Sentinels watching them, all on loopback ports of one test. */
export interface SentinelGroup {
  /** The two data servers; which one is primary changes with each failover. */
  servers: [RedisServer, RedisServer];
  /** Sentinel ports, for `REDIS_SENTINELS`. */
  sentinelPorts: number[];
  /** `REDIS_SENTINELS` / `REDIS_SENTINEL_NAME` for the apps. */
  env: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  /** The port of the server the Sentinels call primary now. */
  primaryPort(): Promise<number>;
  /**
   * `SENTINEL FAILOVER`, then waits until every Sentinel names the other server as
   * primary and the old primary is its replica again with the link up (so a second
   * failover has a replica to promote). Resolves with the new primary's port.
   */
  failover(): Promise<number>;
  /** Stops the Sentinels and both servers and removes their folders. */
  destroy(): Promise<void>;
}

async function ask<T>(port: number, run: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return await run(r);
  } finally {
    r.disconnect();
  }
}

/**
 * Starts a primary (AOF, noeviction), a replica of it and three Sentinels (quorum 2,
 * `down-after-milliseconds` 1000) with `redis-server --sentinel`, and waits until every
 * Sentinel knows the replica and the other Sentinels.
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const primary = await startRedisServer();
  const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
  const servers: [RedisServer, RedisServer] = [primary, replica];
  const dir = await mkdtemp(join(tmpdir(), "vq-sentinel-"));
  const sentinels: ChildProcess[] = [];
  const sentinelPorts: number[] = [];
  const destroy = async () => {
    await Promise.all(sentinels.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r).kill("SIGTERM")) : undefined)));
    await Promise.all(servers.map((s) => s.destroy()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until(
      "replica in sync",
      () => ask(replica.port, async (r) => (/master_link_status:up/.test(await r.info("replication")) ? true : undefined)),
      30_000,
    );
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          "",
        ].join("\n"),
      );
      const child = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
      sentinels.push(child);
      sentinelPorts.push(port);
    }
    for (const port of sentinelPorts) {
      await until(
        `sentinel ${port} knows the replica and the other sentinels`,
        () =>
          ask(port, async (r) => {
            const [master] = (await r.call("SENTINEL", "MASTERS")) as string[][];
            const f = Object.fromEntries(master!.flatMap((_, i, a) => (i % 2 === 0 ? [[a[i], a[i + 1]]] : [])));
            return Number(f["num-slaves"]) >= 1 && Number(f["num-other-sentinels"]) >= 2 ? true : undefined;
          }).catch(() => undefined),
        60_000,
        200,
      );
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  const primaryPort = () =>
    ask(sentinelPorts[0]!, async (r) => Number(((await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER_NAME)) as string[])[1]));
  return {
    servers,
    sentinelPorts,
    env: { REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(","), REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME },
    primaryPort,
    failover: async () => {
      const old = await primaryPort();
      const next = servers.find((s) => s.port !== old)!.port;
      // A failover refused while the Sentinels still settle the last one (INPROG, NOGOODSLAVE) is asked again,
      // and so is one that was accepted but aborted (on a loaded machine the promotion can time out): until
      // the first Sentinel names the new primary, the request is repeated every 15 s.
      let askedAt = 0;
      await until(
        `sentinel ${sentinelPorts[0]} names ${next} primary after a failover`,
        async () => {
          const current = await primaryPort().catch(() => undefined);
          if (current === next) return true;
          if (Date.now() - askedAt > 15_000) {
            const accepted = await ask(sentinelPorts[0]!, (r) => r.call("SENTINEL", "FAILOVER", SENTINEL_MASTER_NAME)).then(
              () => true,
              () => false,
            );
            if (accepted) askedAt = Date.now();
          }
          return undefined;
        },
        120_000,
        250,
      );
      for (const port of sentinelPorts) {
        await until(
          `sentinel ${port} names ${next} primary`,
          () =>
            ask(port, async (r) =>
              Number(((await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER_NAME)) as string[])[1]) === next ? true : undefined,
            ).catch(() => undefined),
          60_000,
          100,
        );
      }
      await until(
        `old primary ${old} replicates ${next}`,
        () =>
          ask(old, async (r) => {
            const info = await r.info("replication");
            return info.includes(`master_port:${next}`) && /master_link_status:up/.test(info) ? true : undefined;
          }).catch(() => undefined),
        60_000,
        100,
      );
      for (const port of sentinelPorts) {
        await until(
          `sentinel ${port} sees ${old} as replica`,
          () =>
            ask(port, async (r) => {
              const replicas = (await r.call("SENTINEL", "REPLICAS", SENTINEL_MASTER_NAME)) as string[][];
              return replicas.some((rep) => rep.includes(String(old)) && !rep.some((v) => /s_down|o_down|disconnected/.test(v))) ? true : undefined;
            }).catch(() => undefined),
          60_000,
          200,
        );
      }
      return next;
    },
    destroy,
  };
}
