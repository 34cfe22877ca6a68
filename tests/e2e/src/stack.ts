import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { freePort, startApp, until, type AppProcess } from "./processes.js";

/** The small reference voices tests synthesize with (fast on CPU). */
export const TEST_VOICES = ["en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"];

let voicesDir: Promise<string> | null = null;
/** A temporary VOICES_DIR holding the x_low reference voices, generated once per test process. */
export function testVoicesDir(): Promise<string> {
  return (voicesDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-e2e-voices-"));
    await ensureReferenceVoices(dir, { only: TEST_VOICES });
    return dir;
  })());
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Redis URL including a logical database of its own (the catalog and heartbeat keys are fixed names). */
  redisUrl: string;
  workers?: number;
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
}

/** The API and worker processes of one test, on their own ports and queue. */
export interface TestStack {
  apiUrl: string;
  queueName: string;
  api: AppProcess;
  workers: AppProcess[];
  workerMetricsUrls: string[];
  redisUrl: string;
  /** Starts one more worker on a fresh metrics port. */
  addWorker(env?: Record<string, string>): Promise<AppProcess>;
  stop(): Promise<void>;
}

/**
 * Starts real API and worker processes (tsx) on free ports with a random queue name,
 * after flushing the test's Redis database, and waits until `/readyz` answers 200.
 */
export async function startStack(opts: StackOptions): Promise<TestStack> {
  const redis = new Redis(opts.redisUrl);
  await redis.flushdb();
  await redis.quit();
  const queueName = `e2e-${randomUUID().slice(0, 8)}`;
  const dir = await testVoicesDir();
  const shared = { REDIS_URL: opts.redisUrl, QUEUE_NAME: queueName };
  const workers: AppProcess[] = [];
  const workerMetricsUrls: string[] = [];
  const addWorker = async (env: Record<string, string> = {}) => {
    const port = await freePort();
    const w = startApp("worker", {
      ...shared,
      VOICES_DIR: dir,
      WORKER_METRICS_PORT: String(port),
      WORKER_METRICS_HOST: "127.0.0.1",
      HEARTBEAT_INTERVAL_MS: "1000",
      ...opts.workerEnv,
      ...env,
    });
    workers.push(w);
    workerMetricsUrls.push(`http://127.0.0.1:${port}`);
    await until("worker metrics", async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 120_000);
    return w;
  };
  const apiPort = await freePort();
  const api = startApp("api", { ...shared, PORT: String(apiPort), HOST: "127.0.0.1", ...opts.apiEnv });
  for (let i = 0; i < (opts.workers ?? 1); i++) await addWorker();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await until("API /readyz", async () => ((await fetch(`${apiUrl}/readyz`)).ok ? true : undefined), 120_000);
  return {
    apiUrl,
    queueName,
    api,
    workers,
    workerMetricsUrls,
    redisUrl: opts.redisUrl,
    addWorker,
    stop: async () => {
      await Promise.all([api.stop(), ...workers.map((w) => w.stop())]);
    },
  };
}
