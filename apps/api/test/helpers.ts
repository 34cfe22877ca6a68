import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { Queue, QueueEvents, Worker, type Job } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { Registry } from "prom-client";
import { AudioStore } from "@voxqueue/audio-store";
import { parseApiEnv, type ApiConfig, type EnvSource } from "@voxqueue/config";
import type { SynthJobData, SynthJobResult, VoiceInfo } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { JOB_STATES, createApiMetrics, createLogger, type ApiMetrics, type Logger } from "@voxqueue/telemetry";
import { createApp } from "../src/app.js";
import type { KeyStore } from "../src/security/key-store.js";
import type { AppDeps } from "../src/types.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A single-speaker voice; its id sorts after {@link MULTI}, so MULTI is the default voice. */
export const SINGLE: VoiceInfo = {
  id: "en_US-single-low",
  language: "en_US",
  sample_rate: 16000,
  num_speakers: 1,
  speakers: [],
  reference: true,
  defaults: { length_scale: 1, noise_scale: 0.667, noise_w: 0.8 },
};

/** A three-speaker voice (ids 0..2). */
export const MULTI: VoiceInfo = {
  id: "en_US-multi-medium",
  language: "en_US",
  sample_rate: 22050,
  num_speakers: 3,
  speakers: ["alice", "bob", "carol"],
  quality: "medium",
  reference: true,
  defaults: { length_scale: 1.1, noise_scale: 0.5, noise_w: 0.6 },
};

/** Settings of the app under test: small limits, retries with a long backoff. */
export function testConfig(queueName: string, overrides: EnvSource = {}): ApiConfig {
  return parseApiEnv({
    QUEUE_NAME: queueName,
    REDIS_URL,
    MAX_TEXT_CHARS: "200",
    MAX_BODY_BYTES: "1024",
    // Long-form jobs off: texts over MAX_TEXT_CHARS are refused (jobs-longform.test.ts turns them on).
    MAX_LONGFORM_CHARS: "0",
    JOB_ATTEMPTS: "2",
    JOB_BACKOFF_MS: "60000",
    JOB_RETENTION_SECONDS: "600",
    AUDIO_TTL_SECONDS: "600",
    WORKER_STALE_SECONDS: "30",
    LOG_LEVEL: "info",
    LOG_TEXT_PREFIX_CHARS: "8",
    ...overrides,
  });
}

/** Log lines written by the app, parsed; each is also emitted as a `line` event. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      this.lines.push(parsed);
      this.emit("line", parsed);
    }
    done();
  }
}

/** An app on a real Redis: its own logical db (flushed) and a random queue name. */
export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  redis: Redis;
  queue: Queue<SynthJobData, SynthJobResult>;
  fleet: FleetRegistry;
  audioStore: AudioStore;
  metrics: ApiMetrics;
  logs: LogCapture;
  db: number;
  close(): Promise<void>;
}

/**
 * Builds the app against Redis db `db` (a number no other test file uses: the
 * catalog and heartbeat keys are fixed), publishing `voices` unless empty.
 */
export async function createHarness(opts: {
  db: number;
  voices?: VoiceInfo[];
  env?: EnvSource;
  redisUrl?: string;
  redisOptions?: RedisOptions;
  keys?: KeyStore;
}): Promise<Harness> {
  const queueName = `test-api-${randomUUID()}`;
  const config = testConfig(queueName, opts.env);
  const redis = new Redis(opts.redisUrl ?? REDIS_URL, {
    db: opts.db,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    ...opts.redisOptions,
  });
  await redis.connect();
  await redis.flushdb();
  const queue = new Queue<SynthJobData, SynthJobResult>(queueName, { connection: redis });
  await queue.waitUntilReady();
  const fleet = new FleetRegistry(redis);
  await fleet.publishVoices("test-worker", opts.voices ?? [SINGLE, MULTI]);
  const audioStore = new AudioStore(redis, config.AUDIO_TTL_SECONDS);
  const registry = new Registry();
  const metrics = createApiMetrics(registry, { queue: queueName, readCounts: () => queue.getJobCounts(...JOB_STATES), defaultMetrics: false });
  const logs = new LogCapture();
  const logger: Logger = createLogger("api-test", config.LOG_LEVEL, logs);
  const deps: AppDeps = { config, queue, redis, audioStore, fleet, metrics, registry, logger, ...(opts.keys ? { keys: opts.keys } : {}) };
  return {
    app: createApp(deps),
    deps,
    redis,
    queue,
    fleet,
    audioStore,
    metrics,
    logs,
    db: opts.db,
    async close() {
      await queue.obliterate({ force: true });
      await queue.close();
      await redis.flushdb();
      await redis.quit();
    },
  };
}

/**
 * A TCP proxy in front of Redis: `stop()` cuts every connection through it (Redis
 * "goes away" for its clients only), `start()` lets them reconnect on the same port.
 */
export class RedisProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  /** `redis://127.0.0.1:<port>` once started. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const target = new URL(REDIS_URL);
    const server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format samples (comments skipped; label values without escaped quotes). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[k as string] = v as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** A minimal valid WAV (16-bit mono PCM) of `samples` zero samples. */
export function fakeWav(samples = 16, sampleRate = 22050): Buffer {
  const data = samples * 2;
  const wav = Buffer.alloc(44 + data);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + data, 4);
  wav.write("WAVEfmt ", 8, "ascii");
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(data, 40);
  return wav;
}

/**
 * A BullMQ worker on the harness's queue that answers every job with `result(job)` (a stand-in
 * for ours where a test is about the API's side), and the queue's events to wait on.
 * `close()` stops both.
 */
export async function startStubWorker(
  h: Harness,
  result: (job: Job<SynthJobData, SynthJobResult>) => Promise<SynthJobResult>,
): Promise<{ events: QueueEvents; close(): Promise<void> }> {
  const workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  const worker = new Worker<SynthJobData, SynthJobResult>(h.queue.name, result, { connection: workerRedis });
  const events = new QueueEvents(h.queue.name, { connection: { url: REDIS_URL, db: h.db } });
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  return {
    events,
    async close() {
      await worker.close();
      await events.close();
      await workerRedis.quit();
    },
  };
}
