import { once } from "node:events";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { parseWorkerEnv, type EnvSource } from "@voxqueue/config";
import { FleetRegistry } from "@voxqueue/fleet";
import { SYNTH_JOB_NAME, type SynthJobData } from "@voxqueue/contracts";
import { createLogger, startTracing, type Logger } from "@voxqueue/telemetry";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { startWorker, type WorkerHandle } from "../src/worker-app.js";

// startWorker in this process, on real Redis (logical db 12 is this file's alone: the
// fleet keys are fixed names), with the x_low reference voice.
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const VOICE = "en_US-voxqueue_ref-x_low";

/** JSON log lines written to memory; a line that is not JSON fails the test. */
class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

/** A TCP port with nothing listening on it (until {@link forwardToRedis} starts there). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Forwards `port` to the test's Redis: Redis "comes back" on that port. */
async function forwardToRedis(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(REDIS.port || 6379), REDIS.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

let voicesDir: string;
beforeAll(async () => {
  voicesDir = await mkdtemp(join(tmpdir(), "vq-worker-app-"));
  await ensureReferenceVoices(voicesDir, { only: [VOICE] });
}, 120_000);

const handles: WorkerHandle[] = [];
const proxies: { close(): Promise<void> }[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(handles.splice(0).map((h) => h.close(0)));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
}, 30_000);

function config(env: EnvSource) {
  return parseWorkerEnv({
    REDIS_URL: `redis://${REDIS.host}/12`,
    QUEUE_NAME: `worker-app-test-${process.pid}`,
    VOICES_DIR: voicesDir,
    WORKER_METRICS_HOST: "127.0.0.1",
    WORKER_METRICS_PORT: "0",
    ORT_INTRA_OP_THREADS: "1",
    LOG_LEVEL: "info",
    ...env,
  });
}

function logger(): { logs: Lines; logger: Logger } {
  const logs = new Lines();
  return { logs, logger: createLogger("worker-test", "info", logs) };
}

describe("startWorker while Redis is down", () => {
  it("logs the outage once as JSON (nothing on the console), then starts when Redis comes back", async () => {
    const consoleError = vi.spyOn(console, "error");
    const consoleWarn = vi.spyOn(console, "warn");
    const port = await closedPort();
    const { logs, logger: log } = logger();
    const started = startWorker(config({ REDIS_URL: `redis://127.0.0.1:${port}/12` }), log);
    // Voices load first; then a few seconds of reconnect attempts (ioredis retries every 50 ms, growing).
    await vi.waitFor(() => expect(logs.lines.some((l) => l.msg === "voices loaded")).toBe(true), { timeout: 60_000, interval: 100 });
    await new Promise((r) => setTimeout(r, 3_000));
    const errors = () => logs.lines.filter((l) => l.level === "warn" && l.err !== undefined);
    expect(errors().map((l) => l.msg)).toEqual(["redis connection error"]);
    expect(errors()[0]).toMatchObject({ err: { message: expect.stringContaining("ECONNREFUSED"), code: "ECONNREFUSED" } });
    expect(consoleError).not.toHaveBeenCalled();
    expect(consoleWarn).not.toHaveBeenCalled();

    proxies.push(await forwardToRedis(port));
    const handle = await started;
    handles.push(handle);
    expect(handle.voices).toEqual([VOICE]);
    expect(errors()).toHaveLength(1);
    expect(consoleError).not.toHaveBeenCalled();
  }, 120_000);
});

describe("startWorker with a voice whose model does not load", () => {
  /** A VOICES_DIR with the x_low voice (unless `withGood` is false) and `junk.onnx`: a text file, beside a valid config copied from x_low. */
  async function dirWithJunk(withGood: boolean): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "vq-worker-junk-"));
    if (withGood) for (const ext of [".onnx", ".onnx.json"]) await copyFile(join(voicesDir, `${VOICE}${ext}`), join(dir, `${VOICE}${ext}`));
    await writeFile(join(dir, "junk.onnx"), "not a model\n");
    await copyFile(join(voicesDir, `${VOICE}.onnx.json`), join(dir, "junk.onnx.json"));
    return dir;
  }

  it("skips it with a warning naming the file and onnxruntime's message, and serves and publishes only the others", async () => {
    const dir = await dirWithJunk(true);
    const { logs, logger: log } = logger();
    const handle = await startWorker(config({ VOICES_DIR: dir, WORKER_CONCURRENCY: "2" }), log);
    handles.push(handle);
    expect(handle.voices).toEqual([VOICE]);
    const skipped = logs.lines.filter((l) => l.voice === "junk");
    expect(skipped).toEqual([expect.objectContaining({ level: "warn", file: join(dir, "junk.onnx"), err: expect.stringMatching(/protobuf parsing failed/i) })]);
    expect(skipped[0]!.msg).toMatch(/voice skipped/);
    expect(logs.lines.find((l) => l.msg === "voices loaded")).toMatchObject({ voices: [VOICE] });
    const redis = new Redis(`redis://${REDIS.host}/12`);
    try {
      expect((await new FleetRegistry(redis).voices(60_000)).map((v) => v.id)).toEqual([VOICE]);
    } finally {
      await redis.quit();
    }
    const metrics = await (await fetch(`${handle.metricsUrl}/metrics`)).text();
    expect(metrics).toContain(`model="${VOICE}"`);
    expect(metrics).not.toContain('model="junk"');
  }, 120_000);

  it("fails to start with a clear error when no voice loads", async () => {
    const dir = await dirWithJunk(false);
    const { logger: log } = logger();
    await expect(startWorker(config({ VOICES_DIR: dir }), log)).rejects.toThrow(/no voice could be loaded: .*junk\.onnx: .*protobuf parsing failed/i);
  }, 120_000);
});

describe("startWorker with an execution provider this host lacks", () => {
  it("falls back to the next one with a warning naming it, and says which runs in its logs, metrics and catalog", async () => {
    const { logs, logger: log } = logger();
    // The CUDA provider's library is never installed here (.npmrc skips onnxruntime-node's download).
    const handle = await startWorker(config({ EXECUTION_PROVIDERS: "cuda,cpu" }), log);
    handles.push(handle);
    const warning = logs.lines.find((l) => l.execution_provider === "cuda");
    expect(warning).toMatchObject({ level: "warn", err: expect.stringMatching(/cuda/i) });
    expect(warning!.msg).toMatch(/execution provider cuda unavailable/);
    expect(logs.lines.find((l) => l.msg === "voices loaded")).toMatchObject({ execution_providers: { [VOICE]: "cpu" } });
    const metrics = await (await fetch(`${handle.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tts_worker_info\{execution_provider="cpu"\} 1$/m);
    const redis = new Redis(`redis://${REDIS.host}/12`);
    try {
      const voices = await new FleetRegistry(redis).voices(60_000);
      expect(voices.find((v) => v.id === VOICE)).toMatchObject({ execution_provider: "cpu" });
    } finally {
      await redis.quit();
    }
  }, 120_000);
});

describe("a job's log lines", () => {
  it("carry the worker's consumer span ids, the job completed line (BullMQ's completed event, after the span) included", async () => {
    const saved = process.env.OTEL_TRACES_EXPORTER;
    process.env.OTEL_TRACES_EXPORTER = "none";
    const tracing = startTracing("worker-app-test");
    if (saved === undefined) delete process.env.OTEL_TRACES_EXPORTER;
    else process.env.OTEL_TRACES_EXPORTER = saved;
    const { logs, logger: log } = logger();
    const cfg = config({});
    const connection = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue<SynthJobData>(cfg.QUEUE_NAME, { connection });
    try {
      handles.push(await startWorker(cfg, log));
      // As the API enqueues it: the producer span's context in the job's data.
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const producerSpanId = "00f067aa0ba902b7";
      const data: SynthJobData = {
        text: "Hello there.",
        voice: VOICE,
        speaker: null,
        speaker_id: null,
        length_scale: 1,
        noise_scale: 0.667,
        noise_w: 0.8,
        trace: { traceparent: `00-${traceId}-${producerSpanId}-01` },
        submitted_at: Date.now(),
      };
      const job = await queue.add(SYNTH_JOB_NAME, data, { attempts: 1 });
      const line = (msg: string) => logs.lines.find((l) => l.msg === msg && l.job_id === job.id);
      await vi.waitFor(() => expect(line("job completed")).toBeDefined(), { timeout: 60_000, interval: 100 });
      const started = line("job started")!;
      expect(started).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(started.span_id).not.toBe(producerSpanId);
      expect(line("job synthesized")).toMatchObject({ trace_id: traceId, span_id: started.span_id });
      expect(line("job completed")).toMatchObject({ trace_id: traceId, span_id: started.span_id });
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await connection.quit();
      await tracing.shutdown();
    }
  }, 120_000);
});
