import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "@voxqueue/config";

/** A free TCP port on 127.0.0.1 (the OS picks it; racy only in theory). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process of one of our apps, with its output kept for assertions. */
export interface AppProcess {
  child: ChildProcess;
  /** Everything it printed so far (JSON log lines). */
  output: () => string;
  /** Parsed JSON log lines so far. */
  logs: () => Record<string, unknown>[];
  /** Resolves with the exit code (or signal) when it exits. */
  exited: Promise<number | string | null>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop: (timeoutMs?: number) => Promise<void>;
}

/** Starts `apps/<app>/src/main.ts` under tsx with `env` on top of this process's environment. */
export function startApp(app: "api" | "worker", env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "apps", app, "src", "main.ts")], {
    cwd: REPO_ROOT,
    // The audio cache would answer repeated texts without a worker: test stacks measure
    // synthesis unless a test turns the cache on itself.
    env: { ...process.env, LOG_LEVEL: "info", AUDIO_CACHE_MAX_BYTES: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return {
    child,
    output: () => out,
    logs: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` (default generous: it
 * only ends a hang on a loaded machine)
 * with `what` in the message. For conditions that have no event to wait on
 * (a process becoming ready).
 */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 150_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `REDIS_URL` (default the local server) pointed at logical database `db`, so test files do not share keys. */
export function redisDbUrl(db: number): string {
  const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  url.pathname = `/${db}`;
  return url.href;
}
