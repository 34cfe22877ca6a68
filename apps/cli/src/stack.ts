import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "@voxqueue/config";
import { espeakInfo } from "@voxqueue/synth";
import { ensureRedis, RedisUnavailableError } from "./redis.js";

/** Options of {@link startStack}. */
export interface StackOptions {
  env: NodeJS.ProcessEnv;
  /** Where app output goes: the terminal (prefixed per app) or log files under `data/logs`. */
  output: "terminal" | "files";
  log: (line: string) => void;
}

/** A running local stack: Redis (ours or an existing one), the API and one worker. */
export interface Stack {
  apiUrl: string;
  workerMetricsUrl: string;
  logDir: string;
  /** Resolves when any app exits on its own (with its name and code). */
  exited: Promise<{ name: string; code: number | null }>;
  /** Stops the apps (SIGTERM, they drain) and the Redis we started. */
  stop(): Promise<void>;
}

/**
 * Where a Redis that voxqueue starts for `redisUrl` keeps its AOF: one folder per port
 * (`data/redis-<port>`), so that stacks on different ports never share one; the
 * default port keeps `data/redis`, where it always was.
 * @throws RedisUnavailableError when `redisUrl` is not a URL
 */
export function redisDataDir(redisUrl: string): string {
  let port: string;
  try {
    port = new URL(redisUrl).port || "6379";
  } catch {
    throw new RedisUnavailableError(`REDIS_URL is not a URL: ${redisUrl}`);
  }
  return join(REPO_ROOT, "data", port === "6379" ? "redis" : `redis-${port}`);
}

function spawnApp(name: string, entry: string, opts: StackOptions, logDir: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: REPO_ROOT, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
  if (opts.output === "files") {
    const file = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  } else {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => process.stdout.write(`[${name}] ${line}\n`));
    }
  }
  return child;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Starts Redis if needed, the worker and the API as child processes, and waits until
 * the API's `/readyz` says both Redis and a worker are up (the first start generates
 * the reference voices, which takes a while; progress shows in the worker's log).
 * @throws EspeakNotFoundError (with what to install) when libespeak-ng is missing;
 *   when Redis cannot be had, or an app exits before the stack is ready
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  // The worker needs libespeak-ng; say what to install here, not in a log file.
  espeakInfo();
  const env = { ...opts.env };
  const redisUrl = env.REDIS_URL || "redis://127.0.0.1:6379";
  const redis = await ensureRedis(redisUrl, redisDataDir(redisUrl), opts.log);
  env.REDIS_URL = redisUrl;
  const logDir = join(REPO_ROOT, "data", "logs");
  mkdirSync(logDir, { recursive: true });

  const port = env.PORT || "8080";
  const metricsPort = env.WORKER_METRICS_PORT || "9464";
  const apps = new Map<string, ChildProcess>([
    ["worker", spawnApp("worker", "apps/worker/src/main.ts", { ...opts, env }, logDir)],
    ["api", spawnApp("api", "apps/api/src/main.ts", { ...opts, env }, logDir)],
  ]);
  const exited = new Promise<{ name: string; code: number | null }>((resolve) => {
    for (const [name, child] of apps) child.once("exit", (code) => resolve({ name, code }));
  });
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all([...apps.values()].map((c) => stopChild(c, "SIGTERM", 40_000)));
      if (redis.child) await stopChild(redis.child, "SIGTERM", 10_000);
    })());

  const apiUrl = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (;;) {
      try {
        const res = await fetch(`${apiUrl}/readyz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const early = await Promise.race([ready.then(() => null), exited]);
  if (early) {
    await stop();
    const where = opts.output === "files" ? ` (see ${join(logDir, `${early.name}.log`)})` : "";
    throw new Error(`the ${early.name} exited with code ${early.code} before the stack was ready${where}`);
  }
  return { apiUrl, workerMetricsUrl: `http://127.0.0.1:${metricsPort}`, logDir, exited, stop };
}
