import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, until } from "@voxqueue/e2e";

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Append-only file on (`appendonly yes`, fsync every second): what production runs. @defaultValue true */
  appendonly?: boolean;
  /** More `redis-server` arguments, e.g. `["--maxmemory-policy", "allkeys-lru"]`. */
  args?: string[];
  /** Port to listen on. @defaultValue a free port */
  port?: number;
}

/** A `redis-server` process of one test, on its own port and data folder. */
export interface RedisServer {
  port: number;
  /** Data folder (AOF and RDB files); removed by {@link RedisServer.destroy}. */
  dir: string;
  /** `redis://127.0.0.1:<port>/<db>`. */
  url(db?: number): string;
  /** The running process id (changes on restart). */
  pid(): number;
  /** Graceful stop (SIGTERM: Redis flushes the AOF and exits), resolved once it has exited. */
  stop(): Promise<void>;
  /** Crash (SIGKILL), resolved once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (it reloads the AOF), resolved once it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port with a fresh data folder: no RDB snapshots,
 * `noeviction`, and the append-only file unless `appendonly` is false. The server is
 * the test's own, so it can be killed and restarted without touching anyone else's.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), "vq-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    opts.appendonly === false ? "no" : "yes",
    "--appendfsync",
    "everysec",
    "--maxmemory-policy",
    "noeviction",
    ...(opts.args ?? []),
  ];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const url = (db = 0) => `redis://127.0.0.1:${port}/${db}`;
  const start = async () => {
    if (child) throw new Error("redis-server is already running");
    const proc = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    child = proc;
    void exited.then(() => {
      if (child === proc) child = null;
    });
    await until(
      `redis-server on port ${port}`,
      async () => {
        if (child !== proc) throw new Error(`redis-server exited: ${out.slice(-500)}`);
        const probe = new Redis(url(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on("error", () => undefined); // connect() rejects with it
        try {
          await probe.connect();
          // PING answers while the AOF is still loading; wait for the data too.
          const info = await probe.info("persistence");
          return /loading:0/.test(info) ? true : undefined;
        } finally {
          probe.disconnect();
        }
      },
      30_000,
      50,
    );
  };
  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    proc.kill(sig);
    await exited;
  };

  await start();
  return {
    port,
    dir,
    url,
    pid: () => child?.pid ?? -1,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    start,
    destroy: async () => {
      await signal("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
