import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "@voxqueue/config";
import { espeakInfo } from "@voxqueue/synth";
import { ensureRedis, RedisUnavailableError } from "./redis.js";

/** Options of {@link LocalStack}. */
export interface StackOptions {
  env: NodeJS.ProcessEnv;
  /** Where app output goes: the terminal (prefixed per app) or log files under `data/logs`. */
  output: "terminal" | "files";
  log: (line: string) => void;
  /**
   * Generate the reference voices into VOICES_DIR (those missing or out of date, as
   * `pnpm voices` does) before the worker starts, which only loads voices.
   * @defaultValue true
   */
  referenceVoices?: boolean;
}

/** The generator `pnpm voices` runs (voice-forge's CLI), from the repository root. */
const VOICES_CLI = "packages/voice-forge/src/cli.ts";

/** How one of the stack's processes ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeExit(e: Pick<ChildExit, "code" | "signal">): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/** Thrown by {@link LocalStack.start} when the stack was stopped before it was ready. */
export class StackStoppedError extends Error {
  override readonly name = "StackStoppedError";
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

/** Exit code 0, or SIGTERM's default action (an app still starting has no handler for it yet). */
const stoppedCleanly = (e: Pick<ChildExit, "code" | "signal">) => e.code === 0 || e.signal === "SIGTERM";

const running = (child: ChildProcess) => child.pid !== undefined && child.exitCode === null && child.signalCode === null;

function exitOf(child: ChildProcess): Promise<Pick<ChildExit, "code" | "signal">> {
  if (!running(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Sends `signal`; after `timeoutMs` SIGKILLs the child's process group. Resolves with how it ended. */
async function stopChild(name: string, child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number, log: (line: string) => void) {
  const exit = exitOf(child);
  const timer = setTimeout(() => {
    log(`the ${name} did not stop within ${timeoutMs / 1000} s: SIGKILL`);
    killGroup(child, "SIGKILL");
  }, timeoutMs);
  if (running(child)) child.kill(signal);
  const e = await exit;
  clearTimeout(timer);
  return e;
}

/** Signals a child's process group (it leads one: `detached`), or the child alone when that fails. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!running(child)) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * A local stack: Redis (ours, or an existing one), the worker and the API as child
 * processes. Each child runs in its own process group (`detached`, stdio piped), so a
 * Ctrl-C in the terminal reaches only the launcher, which stops them in order:
 * {@link stop} SIGTERMs the API and the worker (they drain), waits for both, then
 * stops the Redis it started. Create it, install the launcher's handlers
 * ({@link stopStackOnExit}), then {@link start}: a stop before the stack is ready
 * then stops whatever was started so far.
 */
export class LocalStack {
  readonly apiUrl: string;
  readonly workerMetricsUrl: string;
  readonly logDir = join(REPO_ROOT, "data", "logs");
  /** Resolves when one of the stack's processes (an app, our redis-server) exits while the stack is not being stopped or killed. */
  readonly exited: Promise<ChildExit>;
  private resolveExited!: (e: ChildExit) => void;
  private readonly env: NodeJS.ProcessEnv;
  private readonly apps = new Map<string, ChildProcess>();
  private redis: ChildProcess | null = null;
  private readonly abort = new AbortController();
  private stopping: Promise<boolean> | null = null;

  constructor(private readonly opts: StackOptions) {
    this.env = { ...opts.env, REDIS_URL: opts.env.REDIS_URL || "redis://127.0.0.1:6379" };
    this.apiUrl = `http://127.0.0.1:${this.env.PORT || "8080"}`;
    this.workerMetricsUrl = `http://127.0.0.1:${this.env.WORKER_METRICS_PORT || "9464"}`;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /** True once {@link stop} or {@link kill} was called. */
  get isStopping(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Starts Redis if needed, generates the reference voices into VOICES_DIR (unless
   * `referenceVoices` is false; the first time takes a few seconds, later ones find
   * them up to date), starts the worker and the API, and waits until the API's
   * `/readyz` says both Redis and a worker are up.
   * @throws EspeakNotFoundError (with what to install) when libespeak-ng is missing;
   *   RedisUnavailableError when Redis cannot be had; an Error when the voice
   *   generator fails or an app exits before the stack is ready (the rest is stopped
   *   first); StackStoppedError when
   *   {@link stop} or {@link kill} was called meanwhile
   */
  async start(): Promise<void> {
    const { signal } = this.abort;
    const stopped = () => new StackStoppedError("stopped before the stack was ready");
    // The worker needs libespeak-ng; say what to install here, not in a log file.
    espeakInfo();
    const redisUrl = this.env.REDIS_URL!;
    try {
      // Sentinel or Cluster: the apps find the servers themselves; none is started here.
      if (this.env.REDIS_SENTINELS || this.env.REDIS_CLUSTER_NODES)
        this.opts.log(`using Redis ${this.env.REDIS_SENTINELS ? `Sentinels ${this.env.REDIS_SENTINELS}` : `Cluster ${this.env.REDIS_CLUSTER_NODES}`}`);
      else await ensureRedis(redisUrl, redisDataDir(redisUrl), this.opts.log, { signal, onSpawn: (child) => this.watch("redis-server", child) });
    } catch (err) {
      throw signal.aborted ? stopped() : err;
    }
    if (signal.aborted) throw stopped();
    mkdirSync(this.logDir, { recursive: true });
    if (this.opts.referenceVoices ?? true) {
      const e = await this.generateVoices();
      if (signal.aborted) throw stopped();
      if (!stoppedCleanly(e)) {
        await this.stop();
        const where = this.opts.output === "files" ? ` (see ${join(this.logDir, "voices.log")})` : "";
        throw new Error(`the voice generator (pnpm voices) ${describeExit(e)}${where}`);
      }
    }
    for (const [name, entry] of [
      ["worker", "apps/worker/src/main.ts"],
      ["api", "apps/api/src/main.ts"],
    ] as const) {
      this.watch(name, this.spawnApp(name, entry));
    }

    const ready = (async () => {
      while (!signal.aborted) {
        try {
          const res = await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const aborted = new Promise<"aborted">((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
    const outcome = await Promise.race([ready.then(() => (signal.aborted ? ("aborted" as const) : null)), this.exited, aborted]);
    if (outcome === "aborted") throw stopped();
    if (outcome) {
      await this.stop();
      const where = this.opts.output === "files" && outcome.name !== "redis-server" ? ` (see ${join(this.logDir, `${outcome.name}.log`)})` : "";
      throw new Error(`the ${outcome.name} ${describeExit(outcome)} before the stack was ready${where}`);
    }
  }

  /**
   * Stops the stack in order: SIGTERM to the API and the worker (the worker finishes
   * its jobs in flight, up to SHUTDOWN_GRACE_SECONDS; SIGKILL 15 s past that), waits
   * for both, then SIGTERM to the redis-server we started (it writes its AOF). Says
   * what it does through `log`. Safe to call at any time, also during {@link start},
   * and more than once (same promise).
   * @returns true when every process exited with code 0 (or, still starting, by the SIGTERM)
   */
  stop(): Promise<boolean> {
    return (this.stopping ??= (async () => {
      const log = this.opts.log;
      this.abort.abort();
      const apps = [...this.apps].filter(([, c]) => running(c));
      const grace = Number(this.env.SHUTDOWN_GRACE_SECONDS || 30);
      const graceS = Number.isFinite(grace) && grace >= 0 ? grace : 30;
      let clean = true;
      if (apps.length > 0) {
        log(`stopping the ${apps.map(([n]) => n).join(" and the ")} (SIGTERM; the worker finishes its jobs in flight first, up to ${graceS} s)`);
        await Promise.all(
          apps.map(async ([name, child]) => {
            const e = await stopChild(name, child, "SIGTERM", (graceS + 15) * 1000, log);
            log(`the ${name} ${stoppedCleanly(e) ? "stopped" : describeExit(e)}`);
            clean &&= stoppedCleanly(e);
          }),
        );
      }
      const redis = this.redis;
      if (redis && running(redis)) {
        log(`stopping the redis-server we started (SIGTERM: it writes its AOF to ${redisDataDir(this.env.REDIS_URL!)})`);
        const e = await stopChild("redis-server", redis, "SIGTERM", 10_000, log);
        log(`the redis-server ${stoppedCleanly(e) ? "stopped" : describeExit(e)}`);
        clean &&= stoppedCleanly(e);
      }
      return clean;
    })());
  }

  /** SIGKILL to the process group of every process the stack started (a second Ctrl-C); resolves when they are gone. The worker's jobs in flight go back to the queue once their lock expires. */
  kill(): Promise<void> {
    this.abort.abort();
    const children = [...this.apps.values(), ...(this.redis ? [this.redis] : [])];
    for (const child of children) killGroup(child, "SIGKILL");
    return Promise.all(children.map(exitOf)).then(() => undefined);
  }

  /** SIGTERM to every process the stack started that still runs, at once and without waiting: the last resort of a launcher that exits unexpectedly. */
  terminate(): void {
    for (const child of [...this.apps.values(), this.redis]) if (child && running(child)) child.kill("SIGTERM");
  }

  /** The processes the stack started and that still run: name → pid. */
  pids(): Map<string, number> {
    const all = [...this.apps, ...(this.redis ? [["redis-server", this.redis] as const] : [])];
    return new Map(all.filter(([, c]) => running(c)).map(([n, c]) => [n, c.pid!]));
  }

  private watch(name: string, child: ChildProcess): void {
    if (name === "redis-server") this.redis = child;
    else this.apps.set(name, child);
    child.once("exit", (code, signal) => {
      if (!this.isStopping) this.resolveExited({ name, code, signal });
    });
  }

  /**
   * Runs `pnpm voices` (voice-forge's CLI, `--if-missing`) as a child of the stack, so
   * that a stop or kill meanwhile reaches it too; resolves when it exits.
   */
  private generateVoices(): Promise<Pick<ChildExit, "code" | "signal">> {
    this.opts.log(`generating the reference voices into ${this.env.VOICES_DIR || "data/voices"} when missing (pnpm voices)`);
    const child = this.spawnApp("voices", VOICES_CLI, ["--if-missing"]);
    this.apps.set("voice generator", child);
    return exitOf(child);
  }

  private spawnApp(name: string, entry: string, args: string[] = []): ChildProcess {
    // detached: its own process group, so the terminal's Ctrl-C reaches only the launcher.
    const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (this.opts.output === "files") {
      const file = createWriteStream(join(this.logDir, `${name}.log`), { flags: "a" });
      child.stdout!.pipe(file);
      child.stderr!.pipe(file);
    } else {
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on("line", (line) => process.stdout.write(`[${name}] ${line}\n`));
      }
    }
    return child;
  }
}

/** What {@link stopStackOnExit} returns. */
export interface StackExit {
  /**
   * Stops the stack (gracefully) and exits the launcher with `code` (1 when a process
   * did not stop cleanly and `code` is 0); `reason`, when given, is logged first. Once
   * called, later calls return the same promise, and a signal forces (SIGKILL).
   */
  shutdown(code: number, reason?: string): Promise<never>;
  /** Removes the handlers (for a program that goes on after stopping its stack). */
  dispose(): void;
}

/**
 * Makes every normal exit of the launcher stop the stack, so that no process is left
 * behind (re-parented to PID 1, holding its port). Install it before
 * {@link LocalStack.start}:
 * - SIGINT, SIGTERM, SIGHUP: graceful {@link LocalStack.stop}, then exit with
 *   `signalExitCode` (default 0); a second signal during the stop SIGKILLs every child
 *   and exits 1;
 * - an uncaught exception or unhandled rejection: logged, graceful stop, exit 1 (forced
 *   when the stop was already under way);
 * - a `process.exit()` from anywhere else: SIGTERM to what still runs.
 * Only SIGKILL of the launcher itself leaves the children running.
 */
export function stopStackOnExit(stack: LocalStack, log: (line: string) => void, opts: { signalExitCode?: number } = {}): StackExit {
  let shuttingDown: Promise<never> | null = null;
  const shutdown = (code: number, reason?: string): Promise<never> =>
    (shuttingDown ??= (async () => {
      if (reason) log(reason);
      const started = stack.pids().size > 0;
      const clean = await stack.stop();
      if (started) log(clean ? "stopped" : "stopped (not every process exited cleanly)");
      process.exit(code || (clean ? 0 : 1));
    })());
  const force = (why: string) => {
    const names = [...stack.pids().keys()];
    log(`${why}: forcing${names.length ? `: SIGKILL to the ${names.join(" and the ")}` : ""}`);
    const timeout = new Promise((r) => setTimeout(r, 2000).unref());
    void Promise.race([stack.kill(), timeout]).then(() => process.exit(1));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) force(`${signal} while stopping`);
    else void shutdown(opts.signalExitCode ?? 0, `${signal}: stopping; ${signal === "SIGINT" ? "Ctrl-C again" : "a second signal"} forces`);
  };
  const onError = (err: unknown) => {
    console.error(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (shuttingDown) force("error while stopping");
    else void shutdown(1, "stopping the stack after the error");
  };
  const onExit = () => stack.terminate();
  // After SIGHUP the terminal is gone: a failed write must not become an uncaught error.
  const ignore = () => undefined;
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) process.on(signal, onSignal);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  process.on("exit", onExit);
  for (const stream of [process.stdout, process.stderr]) stream.on("error", ignore);
  return {
    shutdown,
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
      process.off("exit", onExit);
      for (const stream of [process.stdout, process.stderr]) stream.off("error", ignore);
    },
  };
}
