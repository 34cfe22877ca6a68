import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { REPO_ROOT } from "@voxqueue/config";
import { laneQueues, type SynthJobResult } from "@voxqueue/contracts";

/** Settings of one benchmark stack: its API and `workers` worker processes. */
export interface BenchStackOptions {
  redisUrl: string;
  /** Folder of the voices the workers load (only the ones under test: workers start faster). */
  voicesDir: string;
  workers: number;
  /** Extra environment of every app (WORKER_CONCURRENCY, ORT_INTRA_OP_THREADS, ...). */
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** A job as the benchmark sees it finish: when, and its result. */
export interface FinishedJob {
  id: string;
  /** performance.now() when the completion reached this process. */
  seenAt: number;
  result: SynthJobResult;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * The API and N workers as child processes on a queue of their own (a fresh name per
 * stack, so runs never see each other's jobs), logs in `data/logs/bench-*.log`.
 * Completions are read from BullMQ's queue events (one subscriber, in this process),
 * so the benchmark waits on events, never polls.
 */
export class BenchStack {
  readonly queueName = `bench-${randomUUID().slice(0, 8)}`;
  apiUrl = "";
  readonly workerMetricsUrls: string[] = [];
  private readonly children: { name: string; child: ChildProcess }[] = [];
  /** Job events of both priority lanes' queues (long-form jobs run on the batch lane). */
  private events: QueueEvents[] = [];
  private readonly waiters = new Map<string, (job: FinishedJob) => void>();
  private readonly failures = new Map<string, string>();
  private readonly early = new Map<string, FinishedJob>();
  readonly redis: Redis;

  constructor(private readonly opts: BenchStackOptions) {
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  }

  /** Starts the apps and waits until the API's `/readyz` sees a worker. */
  async start(): Promise<void> {
    const logDir = join(REPO_ROOT, "data", "logs");
    mkdirSync(logDir, { recursive: true });
    const base = {
      ...process.env,
      REDIS_URL: this.opts.redisUrl,
      QUEUE_NAME: this.queueName,
      VOICES_DIR: this.opts.voicesDir,
      LOG_LEVEL: "warn",
      AUDIO_TTL_SECONDS: "900",
      // The corpus repeats every round: the audio cache would answer it (measured apart).
      AUDIO_CACHE_MAX_BYTES: "0",
      OTEL_SDK_DISABLED: process.env.OTEL_SDK_DISABLED ?? "true",
      ...this.opts.env,
    };
    this.events = laneQueues(this.queueName).map((name) => new QueueEvents(name, { connection: { url: this.opts.redisUrl }, autorun: true }));
    for (const events of this.events) {
      events.on("completed", ({ jobId, returnvalue }) => {
        const seenAt = performance.now();
        const result = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as SynthJobResult;
        const job = { id: jobId, seenAt, result };
        const waiter = this.waiters.get(jobId);
        // A job can finish before its submit's answer has been read: keep it for finished().
        if (waiter) waiter(job);
        else this.early.set(jobId, job);
        this.waiters.delete(jobId);
      });
      events.on("failed", ({ jobId, failedReason }) => this.failures.set(jobId, failedReason));
    }
    await Promise.all(this.events.map((events) => events.waitUntilReady()));
    const port = await freePort();
    this.apiUrl = `http://127.0.0.1:${port}`;
    for (let i = 0; i < this.opts.workers; i++) {
      const metricsPort = await freePort();
      this.workerMetricsUrls.push(`http://127.0.0.1:${metricsPort}`);
      this.spawn(`worker${i}`, "apps/worker/src/main.ts", { ...base, WORKER_METRICS_PORT: String(metricsPort), WORKER_METRICS_HOST: "127.0.0.1" }, logDir);
    }
    this.spawn("api", "apps/api/src/main.ts", { ...base, PORT: String(port), HOST: "127.0.0.1" }, logDir);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ready = await fetch(`${this.apiUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      const workersUp = await Promise.all(
        this.workerMetricsUrls.map((u) =>
          fetch(`${u}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      if (ready && workersUp.every(Boolean)) return;
      const dead = this.children.find((c) => c.child.exitCode !== null);
      if (dead) throw new Error(`the ${dead.name} exited (${dead.child.exitCode}) before the stack was ready; see data/logs/bench-${dead.name}.log`);
      if (Date.now() > deadline) throw new Error("the benchmark stack was not ready within 180 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private spawn(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string): void {
    const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const file = createWriteStream(join(logDir, `bench-${name}.log`), { flags: "a" });
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
    this.children.push({ name, child });
  }

  /** PIDs of the worker processes. */
  workerPids(): number[] {
    return this.children.filter((c) => c.name.startsWith("worker")).map((c) => c.child.pid!);
  }

  /** Resolves when job `id` completes (also when it already has); rejects when it fails. */
  finished(id: string, timeoutMs = 600_000): Promise<FinishedJob> {
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      return Promise.resolve(early);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${id} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      const check = setInterval(() => {
        const reason = this.failures.get(id);
        if (reason) {
          clearInterval(check);
          clearTimeout(timer);
          reject(new Error(`job ${id} failed: ${reason}`));
        }
      }, 250);
      this.waiters.set(id, (job) => {
        clearInterval(check);
        clearTimeout(timer);
        resolve(job);
      });
    });
  }

  /** POST /v1/jobs; the job's id. */
  async submit(body: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${this.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  /**
   * Submits each text as a job at once and waits for all; audio seconds per wall
   * second from the first submit to the last completion seen.
   */
  async batch(
    texts: readonly string[],
    body: Record<string, unknown>,
  ): Promise<{ audioSeconds: number; wallSeconds: number; audioPerSecond: number; jobs: FinishedJob[] }> {
    const t0 = performance.now();
    const jobs = await Promise.all(
      texts.map(async (text) => {
        const id = await this.submit({ ...body, text });
        return this.finished(id);
      }),
    );
    const wallSeconds = (Math.max(...jobs.map((j) => j.seenAt)) - t0) / 1000;
    const audioSeconds = jobs.reduce((n, j) => n + j.result.audio_duration_s, 0);
    return { audioSeconds, wallSeconds, audioPerSecond: audioSeconds / wallSeconds, jobs };
  }

  /**
   * Submit → the job's end seen by an HTTP client through `GET /v1/jobs/:id?wait=`
   * (long poll, as a client that does not poll would), ms; `submitMs`: until the submit's answer (202) was read.
   */
  async submitAndWait(body: Record<string, unknown>): Promise<{ id: string; ms: number; submitMs: number; status: string; cached: boolean }> {
    const t0 = performance.now();
    const res = await fetch(`${this.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const submitMs = performance.now() - t0;
    for (;;) {
      const view = (await (await fetch(`${this.apiUrl}/v1/jobs/${id}?wait=60`)).json()) as { status: string; result?: { cached?: boolean } };
      if (view.status === "completed" || view.status === "failed")
        return { id, ms: performance.now() - t0, submitMs, status: view.status, cached: view.result?.cached === true };
    }
  }

  /** Resident set size of each worker process, bytes (its `/metrics`). */
  async workerRss(): Promise<number[]> {
    return Promise.all(
      this.workerMetricsUrls.map(async (u) => {
        const text = await fetch(`${u}/metrics`).then((r) => r.text());
        const m = /^process_resident_memory_bytes\s+(\S+)/m.exec(text);
        return m ? Number(m[1]) : Number.NaN;
      }),
    );
  }

  /** SIGTERM to every app, waits for them, removes the queue (its audio expires in 15 minutes). */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await Promise.all(this.events.map((events) => events.close()));
    // The bench's own queue: nothing else uses it.
    const queue = new Queue(this.queueName, { connection: this.redis });
    await queue.obliterate({ force: true });
    await queue.close();
    await this.redis.quit();
  }
}
