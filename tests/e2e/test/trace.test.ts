import { Writable } from "node:stream";
import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "@voxqueue/api";
import { AudioStore, type AudioPieces } from "@voxqueue/audio-store";
import { parseApiEnv } from "@voxqueue/config";
import type { SynthJobData, SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { InferencePool, discoverVoices, voiceInfo } from "@voxqueue/synth";
import { ATTR, JOB_STATES, SPAN, createApiMetrics, createLogger, createWorkerMetrics } from "@voxqueue/telemetry";
import { createCompletionRecorder, createProcessor } from "@voxqueue/worker";
import { redisDbUrl, testVoicesDir, until } from "../src/index.js";

// The API app (supertest, no port) and the worker's processor on a real BullMQ Worker
// run in this process, on real Redis, with the x_low reference voice. Their spans go to
// an in-memory exporter registered globally, the way startTracing registers the SDK's.
// This file lives here because only the end-to-end package may depend on both apps.

// Logical database 13 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(13);
const VOICE = "en_US-voxqueue_ref-x_low";
const QUEUE = `trace-${process.pid}`;
const TEXT = "Hello from the queue. It takes the form of a circle. Test one.";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

/** JSON log lines written to memory. */
class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

/** Fails the next `failures` commits, like a Redis that drops the connection mid-write. */
class FlakyAudioStore extends AudioStore {
  failures = 0;
  override async commit(pieces: AudioPieces, head: Buffer): Promise<string> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("Connection is closed.");
    }
    return super.commit(pieces, head);
  }
}

let redis: Redis;
let workerConnection: Redis;
let queue: Queue<SynthJobData, SynthJobResult>;
let queueEvents: QueueEvents;
let pool: InferencePool;
let worker: Worker<SynthJobData, SynthJobResult>;
let store: FlakyAudioStore;
let app: ReturnType<typeof createApp>;
const apiLogs = new Lines();
const workerLogs = new Lines();

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);

  redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.flushdb();
  const config = parseApiEnv({ REDIS_URL, QUEUE_NAME: QUEUE, JOB_ATTEMPTS: "2", JOB_BACKOFF_MS: "1", LOG_LEVEL: "info", LOG_TEXT_PREFIX_CHARS: "8" });
  queue = new Queue<SynthJobData, SynthJobResult>(QUEUE, { connection: redis });
  await queue.waitUntilReady();
  queueEvents = new QueueEvents(QUEUE, { connection: { url: REDIS_URL } });
  await queueEvents.waitUntilReady();

  const voices = (await discoverVoices(await testVoicesDir())).voices.filter((v) => v.id === VOICE);
  pool = (await InferencePool.start({ voices, threads: 1, executionProviders: ["cpu"], intraOpNumThreads: 1 })).pool;
  const fleet = new FleetRegistry(redis);
  await fleet.publishVoices("trace-test-worker", voices.map(voiceInfo));

  const registry = new Registry();
  const metrics = createApiMetrics(registry, { queue: QUEUE, readCounts: () => queue.getJobCounts(...JOB_STATES), defaultMetrics: false });
  app = createApp({ config, queue, redis, audioStore: new AudioStore(redis, 600), fleet, metrics, registry, logger: createLogger("api", "info", apiLogs) });

  workerConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  store = new FlakyAudioStore(workerConnection, 600);
  const workerMetrics = createWorkerMetrics(new Registry(), { queue: QUEUE, readCounts: async () => ({}), defaultMetrics: false });
  const logger = createLogger("worker", "info", workerLogs);
  const voiceMap = new Map(voices.map((v) => [v.id, v]));
  const processor = createProcessor({
    voices: voiceMap,
    pool,
    store,
    metrics: workerMetrics,
    logger,
    queueName: QUEUE,
    sentenceSilenceSeconds: 0.2,
    jobTimeoutMs: 60_000,
    maxAudioSeconds: 600,
    logTextPrefixChars: 8,
  });
  worker = new Worker<SynthJobData, SynthJobResult>(QUEUE, (job, token, signal) => processor(job, token, signal), { connection: workerConnection });
  worker.on("completed", createCompletionRecorder({ voices: voiceMap, metrics: workerMetrics, logger }));
  await worker.waitUntilReady();
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await queueEvents?.close();
  await pool?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  await workerConnection?.quit();
  await redis?.quit();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** Submits a job through the API and waits until it is finished for good (completed, or failed with no retry left). */
async function runJob(text: string): Promise<{ id: string; outcome: "completed" | "failed" }> {
  const res = await request(app).post("/v1/jobs").send({ text, voice: VOICE });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = (res.body as { id: string }).id;
  const job = await queue.getJob(id);
  const outcome = await job!.waitUntilFinished(queueEvents, 60_000).then(
    () => "completed" as const,
    () => "failed" as const,
  );
  return { id, outcome };
}

/** Every finished span of the trace in which the producer span of job `id` lies. */
function traceOf(id: string) {
  const producer = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER && s.attributes[ATTR.messagingMessageId] === id);
  expect(producer, `producer span of job ${id}`).toBeDefined();
  const traceId = producer!.spanContext().traceId;
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const named = (name: string) => spans.filter((s) => s.name === name);
  const one = (name: string) => {
    const found = named(name);
    expect(
      found.map((s) => s.name),
      name,
    ).toHaveLength(1);
    return found[0]!;
  };
  const childrenOf = (parent: ReadableSpan) => spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
  return { traceId, producer: producer!, spans, named, one, childrenOf };
}

const ms = (span: ReadableSpan, at: "startTime" | "endTime") => span[at][0] * 1e3 + span[at][1] / 1e6;
const lineOf = (lines: Record<string, unknown>[], msg: string, jobId: string) => lines.find((l) => l.msg === msg && l.job_id === jobId);

describe("one job, one trace: API request → producer → consumer → stages", () => {
  it("links every span of a job into one trace with the right parents, kinds and attributes", async () => {
    const { id, outcome } = await runJob(TEXT);
    expect(outcome).toBe("completed");
    const t = traceOf(id);

    const server = t.one("POST /v1/jobs");
    const consumer = t.one(`process ${QUEUE}`);
    const [preprocess, inference, postprocess] = [t.one(SPAN.preprocess), t.one(SPAN.inference), t.one(SPAN.postprocess)];
    expect(t.spans.map((s) => s.name).sort()).toEqual(
      [
        "POST /v1/jobs",
        "audio cache lookup",
        `send ${QUEUE}`,
        `process ${QUEUE}`,
        "preprocess",
        "inference",
        "inference.sentence",
        "inference.sentence",
        "inference.sentence",
        "postprocess",
        "encode",
        "store",
      ].sort(),
    );

    // Request span: the root, named after the route pattern.
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.attributes).toMatchObject({
      [ATTR.httpRequestMethod]: "POST",
      [ATTR.httpRoute]: "/v1/jobs",
      [ATTR.httpResponseStatusCode]: 202,
      [ATTR.urlPath]: "/v1/jobs",
    });

    // Producer under the request; consumer under the producer (through the job's data).
    expect(t.producer.name).toBe(`send ${QUEUE}`);
    expect(t.producer.kind).toBe(SpanKind.PRODUCER);
    // The audio cache lookup (a miss here) runs before the job is queued, under the request span.
    expect(t.childrenOf(server)).toEqual([t.one("audio cache lookup"), t.producer]);
    expect(t.producer.attributes).toEqual({
      [ATTR.messagingSystem]: "bullmq",
      [ATTR.messagingDestinationName]: QUEUE,
      [ATTR.messagingMessageId]: id,
      [ATTR.messagingOperationType]: "send",
      [ATTR.messagingOperationName]: "send",
    });
    expect(t.childrenOf(t.producer)).toEqual([consumer]);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.parentSpanContext?.isRemote).toBe(true);
    expect(consumer.status.code).toBe(SpanStatusCode.UNSET);
    const job = await queue.getJob(id);
    expect(job!.data.trace).toEqual({ traceparent: `00-${t.traceId}-${t.producer.spanContext().spanId}-01` });
    const result = job!.returnvalue;
    expect(consumer.attributes).toMatchObject({
      [ATTR.messagingSystem]: "bullmq",
      [ATTR.messagingDestinationName]: QUEUE,
      [ATTR.messagingMessageId]: id,
      [ATTR.messagingOperationType]: "process",
      [ATTR.jobAttempt]: 1,
      [ATTR.voice]: VOICE,
      [ATTR.language]: "en_US",
      [ATTR.textChars]: TEXT.length,
      [ATTR.sentences]: 3,
      [ATTR.audioSeconds]: result.audio_duration_s,
      [ATTR.synthesisSeconds]: result.synthesis_s,
      [ATTR.rtf]: result.rtf,
    });

    // The seed's stages, in order, under the consumer.
    expect(t.childrenOf(consumer)).toEqual(expect.arrayContaining([preprocess, inference, postprocess]));
    expect(t.childrenOf(consumer)).toHaveLength(3);
    // Start times the SDK takes itself have millisecond resolution.
    expect(ms(preprocess, "endTime")).toBeLessThanOrEqual(ms(inference, "startTime") + 1);
    expect(ms(inference, "endTime")).toBeLessThanOrEqual(ms(postprocess, "startTime") + 1);
    expect(preprocess.attributes).toMatchObject({ [ATTR.sentences]: 3, [ATTR.sentencesSkipped]: 0, [ATTR.phonemesMissing]: 0 });
    expect(preprocess.attributes[ATTR.phonemes]).toBeGreaterThan(20);

    // One span per sentence, laid end to end inside the inference span.
    const sentences = t.childrenOf(inference).sort((a, b) => ms(a, "startTime") - ms(b, "startTime"));
    expect(sentences.map((s) => [s.name, s.attributes[ATTR.sentenceIndex]])).toEqual([0, 1, 2].map((i) => [SPAN.inferenceSentence, i]));
    let audioSeconds = 0;
    for (const [i, s] of sentences.entries()) {
      expect(s.attributes[ATTR.phonemeIds]).toBeGreaterThan(3);
      const seconds = s.attributes[ATTR.inferenceSeconds] as number;
      expect(seconds).toBeGreaterThan(0);
      expect(ms(s, "endTime") - ms(s, "startTime")).toBeCloseTo(seconds * 1e3, 0);
      // Explicit times are sub-millisecond, automatic start times whole milliseconds.
      expect(ms(s, "startTime")).toBeGreaterThanOrEqual(ms(inference, "startTime") - 1);
      expect(ms(s, "endTime")).toBeLessThanOrEqual(ms(inference, "endTime") + 1);
      if (i > 0) expect(ms(s, "startTime")).toBeCloseTo(ms(sentences[i - 1]!, "endTime"), 1);
      audioSeconds += s.attributes[ATTR.audioSeconds] as number;
    }
    expect(audioSeconds).toBeGreaterThan(0);
    expect(audioSeconds).toBeLessThan(result.audio_duration_s); // silence between sentences is not a sentence's

    const [encode, storeSpan] = [t.one(SPAN.encode), t.one(SPAN.store)];
    expect(t.childrenOf(postprocess)).toEqual([encode, storeSpan]);
    expect(encode.attributes[ATTR.audioBytes]).toBe(result.audio_bytes);
    for (const s of t.spans.filter((s) => s.kind === SpanKind.INTERNAL)) expect(s.status.code, s.name).toBe(SpanStatusCode.UNSET);
  });

  it("puts the trace id on the job's log lines, and the span id of the span they were written in", async () => {
    const { id } = await runJob("Logs and traces meet here.");
    const t = traceOf(id);
    const consumer = t.one(`process ${QUEUE}`);
    const server = t.one("POST /v1/jobs");
    const accepted = lineOf(apiLogs.lines, "job accepted", id);
    expect(accepted).toMatchObject({ trace_id: t.traceId, span_id: t.producer.spanContext().spanId });
    // The request line has no job id; it is the POST answered just before "job accepted" settled.
    const requestLine = apiLogs.lines.find((l) => l.msg === "request" && l.route === "/v1/jobs" && l.trace_id === t.traceId);
    expect(requestLine).toMatchObject({ span_id: server.spanContext().spanId, status: 202 });
    expect(lineOf(workerLogs.lines, "job started", id)).toMatchObject({ trace_id: t.traceId, span_id: consumer.spanContext().spanId, attempt: 1 });
    expect(lineOf(workerLogs.lines, "job synthesized", id)).toMatchObject({ trace_id: t.traceId, span_id: consumer.spanContext().spanId });
    // Written on the worker's completed event, after the consumer span (and maybe after
    // QueueEvents told us): same trace through the job's data.
    expect(await until("job completed line", async () => lineOf(workerLogs.lines, "job completed", id))).toMatchObject({ trace_id: t.traceId });
    // No text beyond the 8-character preview.
    expect(JSON.stringify(apiLogs.lines.concat(workerLogs.lines))).not.toContain("and traces meet");
  });

  it("traces other requests by route pattern, but not probes and scrapes", async () => {
    const { id } = await runJob("Look me up.");
    await request(app).get(`/v1/jobs/${id}`).expect(200);
    await request(app).get("/healthz").expect(200);
    await request(app).get("/metrics").expect(200);
    const servers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.find((s) => s.attributes[ATTR.urlPath] === `/v1/jobs/${id}`)).toMatchObject({
      name: "GET /v1/jobs/:id",
      attributes: { [ATTR.httpRoute]: "/v1/jobs/:id" },
    });
    expect(servers.map((s) => s.attributes[ATTR.urlPath])).not.toContain("/healthz");
    expect(servers.map((s) => s.attributes[ATTR.urlPath])).not.toContain("/metrics");
  });

  it("marks the consumer span ERROR with the taxonomy's error.type when the job fails", async () => {
    const { id, outcome } = await runJob("...");
    expect(outcome).toBe("failed");
    const t = traceOf(id);
    const consumer = t.one(`process ${QUEUE}`);
    expect(consumer.status.code).toBe(SpanStatusCode.ERROR);
    expect(consumer.status.message).toMatch(/^invalid_input: /);
    expect(consumer.attributes[ATTR.errorType]).toBe("invalid_input");
    expect(consumer.events.map((e) => e.name)).toEqual(["exception"]);
    // Preprocessing ran and found nothing to say; inference never started.
    expect(t.childrenOf(consumer).map((s) => s.name)).toEqual([SPAN.preprocess]);
    expect(t.one(SPAN.preprocess).attributes[ATTR.sentences]).toBe(0);
    expect(lineOf(workerLogs.lines, "job failed", id)).toMatchObject({
      trace_id: t.traceId,
      span_id: consumer.spanContext().spanId,
      error_type: "invalid_input",
    });
  });

  it("keeps the trace across retries: every attempt's consumer span is a child of the one producer span", async () => {
    store.failures = 1;
    const { id, outcome } = await runJob("Second time lucky.");
    expect(outcome).toBe("completed");
    const t = traceOf(id);
    const attempts = t.named(`process ${QUEUE}`).sort((a, b) => (a.attributes[ATTR.jobAttempt] as number) - (b.attributes[ATTR.jobAttempt] as number));
    expect(attempts.map((s) => s.attributes[ATTR.jobAttempt])).toEqual([1, 2]);
    for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(t.producer.spanContext().spanId);
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[0]!.attributes[ATTR.errorType]).toBe("storage_error");
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
    const stores = t.named(SPAN.store).map((s) => s.status.code);
    expect(stores.sort()).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR].sort());
    expect((await queue.getJob(id))!.data.trace.traceparent).toBe(`00-${t.traceId}-${t.producer.spanContext().spanId}-01`);
  });
});
