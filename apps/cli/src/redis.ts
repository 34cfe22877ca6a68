import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { Redis } from "ioredis";

/** True when a Redis server answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Where a local Redis is, and the child process when we started it. */
export interface LocalRedis {
  url: string;
  child: ChildProcess | null;
}

/** Thrown when no Redis answers and none can be started; the message says how to get one. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** Options of {@link ensureRedis}. */
export interface EnsureRedisOptions {
  /** Aborting it stops the wait for a starting redis-server (rejecting with its reason) or prevents the start. */
  signal?: AbortSignal;
  /**
   * Called with the redis-server child as soon as it is spawned, so that a caller can
   * stop it even when ensureRedis does not resolve (abort). On its own failures (exit,
   * no answer in 10 s) ensureRedis stops the child itself.
   */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Uses the Redis at `url` when it answers; otherwise, when `url` points at this
 * machine, starts `redis-server` from PATH on that port with AOF persistence
 * (`appendonly yes`, fsync every second) in `dataDir`, and waits until it answers.
 * The server runs in its own process group (`detached`): a Ctrl-C in the terminal
 * reaches the launcher only, which stops Redis last, after the apps that use it.
 * @throws RedisUnavailableError when neither works; the signal's reason when aborted
 */
export async function ensureRedis(url: string, dataDir: string, log: (line: string) => void, opts: EnsureRedisOptions = {}): Promise<LocalRedis> {
  const { signal } = opts;
  if (await redisAnswers(url)) {
    log(`using Redis at ${url}`);
    return { url, child: null };
  }
  const parsed = new URL(url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname)) {
    throw new RedisUnavailableError(`no Redis answers at ${url}; start it, or unset REDIS_URL to let voxqueue start a local one`);
  }
  const port = parsed.port || "6379";
  await mkdir(dataDir, { recursive: true });
  signal?.throwIfAborted();
  log(`no Redis at ${url}: starting redis-server on port ${port} with AOF persistence in ${dataDir}`);
  const child = spawn(
    "redis-server",
    [
      "--port",
      port,
      "--bind",
      "127.0.0.1",
      "--dir",
      dataDir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    },
  );
  opts.onSpawn?.(child);
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new RedisUnavailableError(
          err.code === "ENOENT"
            ? "no Redis answers at " +
                url +
                " and redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running server"
            : `redis-server failed to start: ${err.message}`,
        ),
      ),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      signal?.throwIfAborted();
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new RedisUnavailableError(
          `redis-server ${child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`} (is port ${port} taken?)`,
        );
      }
      if (await redisAnswers(url, 200)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new RedisUnavailableError("redis-server did not answer within 10 s");
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    // Ours to stop unless the caller aborted (it stops the child it got from onSpawn).
    if (!signal?.aborted && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    throw err;
  }
  return { url, child };
}
