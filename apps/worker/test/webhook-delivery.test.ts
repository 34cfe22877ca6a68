import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { FlowProducer, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWorkerEnv } from "@voxqueue/config";
import { webhookQueueName, type JobView, type SynthJobData, type SynthJobResult, type WebhookDeliveryView, type WebhookEvent } from "@voxqueue/contracts";
import { METRIC, SPAN, createLogger, createWebhookMetrics, injectTraceContext, type WebhookMetrics } from "@voxqueue/telemetry";
import { addWithWebhook, readWebhookView } from "@voxqueue/webhooks";
import { createWebhookProcessor, webhookBackoffStrategy } from "../src/webhook-processor.js";

// The delivery worker on real Redis (logical db 13, random queue names) against real
// HTTP receivers on loopback (allowlisted). The synthesis job itself is finished by a
// plain BullMQ worker standing in for synthesis: what is under test is the delivery.
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const REDIS_URL = `redis://${REDIS.host}/13`;
const SECRET = `whsec_${randomBytes(32).toString("base64")}`;
const MAX_ATTEMPTS = 4;
const BACKOFF = { baseMs: 50, maxMs: 2_000 };
const TIMEOUT_MS = 500;
const QUEUE = `test-webhooks-${randomUUID()}`;

/** One request the receiver got. */
interface Received {
  path: string;
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let base: string;
const received: Received[] = [];
/** Path → what to answer to its n-th request (0-based); the last entry repeats. */
const scripts = new Map<string, ((res: ServerResponse) => void)[]>();
const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(code, headers).end();
const slow = (ms: number) => (res: ServerResponse) => setTimeout(() => res.headersSent || res.destroyed || res.writeHead(200).end(), ms);

let connection: Redis;
let flow: FlowProducer;
let synthQueue: Queue<SynthJobData, SynthJobResult>;
let webhookQueue: Queue;
let synth: Worker<SynthJobData, SynthJobResult>;
let delivery: Worker;
let metrics: WebhookMetrics;
const registry = new Registry();
const spans = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const tracer = provider.getTracer("webhook-test");

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      const n = received.filter((r) => r.path === path).length;
      received.push({ path, at: Date.now(), headers: req.headers, body });
      const script = scripts.get(path) ?? [status(404)];
      (script[Math.min(n, script.length - 1)] as (res: ServerResponse) => void)(res);
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  flow = new FlowProducer({ connection });
  synthQueue = new Queue(QUEUE, { connection });
  webhookQueue = new Queue(webhookQueueName(QUEUE), { connection });
  // Stands in for synthesis: a text "fail" fails for good, anything else completes.
  synth = new Worker<SynthJobData, SynthJobResult>(
    QUEUE,
    async (job) => {
      if (job.data.text === "fail") throw new UnrecoverableError("invalid_input: text has nothing pronounceable");
      return {
        audio_key: `k:${job.id}`,
        audio_bytes: 44,
        audio_duration_s: 1,
        synthesis_s: 0.1,
        rtf: 0.1,
        sample_rate: 16000,
        voice: job.data.voice,
        speaker: null,
        sentences: 1,
      };
    },
    { connection },
  );
  const config = parseWorkerEnv({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" });
  metrics = createWebhookMetrics(registry);
  const deliver = createWebhookProcessor({
    connection,
    secrets: config.WEBHOOK_SECRET!,
    allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: TIMEOUT_MS,
    backoff: BACKOFF,
    metrics,
    logger: createLogger("webhook-test", "silent"),
    tracer,
  });
  delivery = new Worker(webhookQueueName(QUEUE), deliver, { connection, concurrency: 4, settings: { backoffStrategy: webhookBackoffStrategy(BACKOFF) } });
  await Promise.all([synth.waitUntilReady(), delivery.waitUntilReady()]);
});

afterAll(async () => {
  await Promise.all([synth.close(), delivery.close()]);
  await synthQueue.obliterate({ force: true });
  await webhookQueue.obliterate({ force: true });
  await Promise.all([flow.close(), synthQueue.close(), webhookQueue.close()]);
  await connection.quit();
  receiver.closeAllConnections();
  receiver.close();
});

/** Submits a job with a webhook as the API does; returns its id and the producer span's trace id. */
async function submit(path: string, text = "Hello.", url = `${base}${path}`, baseUrl?: string): Promise<{ id: string; traceId: string }> {
  const id = randomUUID();
  const send = tracer.startSpan("send test");
  const carrier = injectTraceContext(trace.setSpan(context.active(), send));
  send.end();
  const data: SynthJobData = {
    text,
    voice: "v",
    speaker: null,
    speaker_id: null,
    length_scale: 1,
    noise_scale: 0.667,
    noise_w: 0.8,
    trace: carrier,
    submitted_at: Date.now(),
  };
  await addWithWebhook(
    flow,
    { queue: QUEUE, id, data, opts: { attempts: 1 }, webhookUrl: url, baseUrl },
    { QUEUE_NAME: QUEUE, WEBHOOK_MAX_ATTEMPTS: MAX_ATTEMPTS, JOB_RETENTION_SECONDS: 600 },
  );
  return { id, traceId: send.spanContext().traceId };
}

/** The job's delivery once it has ended (delivered or dead), as `GET /v1/jobs/:id` shows it. */
async function finalDelivery(id: string): Promise<WebhookDeliveryView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = await readWebhookView(webhookQueue, connection, id);
    if (view && (view.state === "delivered" || view.state === "dead")) return view;
    if (Date.now() > deadline) throw new Error(`delivery of ${id} did not end: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const requestsTo = (path: string) => received.filter((r) => r.path === path);
const count = async (outcome: string) =>
  (await registry.getSingleMetric(METRIC.webhookDeliveries)!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe("webhook delivery (real Redis, real receiver on loopback)", () => {
  it("delivers a signed job.completed event that standardwebhooks verifies, in the job's trace", async () => {
    scripts.set("/ok", [status(204)]);
    const before = await count("delivered");
    const { id, traceId } = await submit("/ok");
    const view = await finalDelivery(id);
    expect(view).toEqual({ state: "delivered", attempts: 1, last_status_code: 204, next_attempt_at: null });
    const [req] = requestsTo("/ok");
    const event = new Webhook(SECRET).verify(req!.body, req!.headers as Record<string, string>) as WebhookEvent<JobView>;
    expect(event.type).toBe("job.completed");
    expect(event.data).toMatchObject({ id, status: "completed", result: { audio_url: `/v1/jobs/${id}/audio` } });
    expect(event.timestamp).toBe(event.data.finished_at);
    expect(req!.headers["webhook-id"]).toBe(`msg_${id}`);
    expect(await count("delivered")).toBe(before + 1);
    const attemptSpans = spans.getFinishedSpans().filter((s) => s.name === SPAN.webhook && s.spanContext().traceId === traceId);
    expect(attemptSpans).toHaveLength(1);
    expect(attemptSpans[0]!.attributes["tts.webhook.outcome"]).toBe("delivered");
  });

  it("makes the event's links absolute against the API's public origin recorded at submit", async () => {
    scripts.set("/absolute", [status(204)]);
    const { id } = await submit("/absolute", "Hello.", undefined, "https://tts.example.com/speech");
    expect((await finalDelivery(id)).state).toBe("delivered");
    const event = JSON.parse(requestsTo("/absolute")[0]!.body) as WebhookEvent<JobView>;
    expect(event.data.links).toEqual({ self: `https://tts.example.com/speech/v1/jobs/${id}`, audio: `https://tts.example.com/speech/v1/jobs/${id}/audio` });
    expect(event.data.result?.audio_url).toBe(`https://tts.example.com/speech/v1/jobs/${id}/audio`);
  });

  it("sends job.failed for a job that failed; the job stays failed", async () => {
    scripts.set("/failed", [status(200)]);
    const { id } = await submit("/failed", "fail");
    expect((await finalDelivery(id)).state).toBe("delivered");
    const event = JSON.parse(requestsTo("/failed")[0]!.body) as WebhookEvent<JobView>;
    expect(event.type).toBe("job.failed");
    expect(event.data).toMatchObject({ id, status: "failed", error: { type: "invalid_input" } });
    expect(await synthQueue.getJobState(id)).toBe("failed");
  });

  it("retries a receiver that fails twice: one success, the same event id and body three times", async () => {
    scripts.set("/flaky", [status(500), status(503), status(200)]);
    const retriedBefore = await count("retried");
    const { id } = await submit("/flaky");
    const view = await finalDelivery(id);
    expect(view).toEqual({ state: "delivered", attempts: 3, last_status_code: 200, next_attempt_at: null });
    const reqs = requestsTo("/flaky");
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.headers["webhook-id"]))).toEqual(new Set([`msg_${id}`]));
    expect(new Set(reqs.map((r) => r.body)).size).toBe(1);
    for (const r of reqs) expect(new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>)).toBeTruthy();
    expect(await count("retried")).toBe(retriedBefore + 2);
  });

  it("dead-letters a receiver that always fails after the bounded attempts, visible on the job, whose status is unchanged", async () => {
    scripts.set("/down", [status(503)]);
    const deadBefore = await count("dead");
    const { id } = await submit("/down");
    const view = await finalDelivery(id);
    expect(view).toEqual({ state: "dead", attempts: MAX_ATTEMPTS, last_status_code: 503, next_attempt_at: null, last_error: "HTTP 503" });
    expect(requestsTo("/down")).toHaveLength(MAX_ATTEMPTS);
    expect(await webhookQueue.getJobState(id)).toBe("failed");
    expect(await synthQueue.getJobState(id)).toBe("completed");
    expect(await count("dead")).toBe(deadBefore + 1);
  });

  it("does not retry other 4xx answers or redirects", async () => {
    scripts.set("/gone", [status(410)]);
    scripts.set("/moved", [status(301, { location: `${base}/ok` })]);
    const gone = await submit("/gone");
    const moved = await submit("/moved");
    expect(await finalDelivery(gone.id)).toMatchObject({ state: "dead", attempts: 1, last_status_code: 410 });
    expect(await finalDelivery(moved.id)).toMatchObject({ state: "dead", attempts: 1, last_status_code: 301 });
    expect(requestsTo("/gone")).toHaveLength(1);
    expect(requestsTo("/moved")).toHaveLength(1);
  });

  it("times out a slow receiver and retries it", async () => {
    scripts.set("/slow", [slow(TIMEOUT_MS * 4), status(200)]);
    const { id } = await submit("/slow");
    expect(await finalDelivery(id)).toEqual({ state: "delivered", attempts: 2, last_status_code: 200, next_attempt_at: null });
    expect(requestsTo("/slow")).toHaveLength(2);
  });

  it("honours Retry-After on 429", async () => {
    scripts.set("/busy", [status(429, { "retry-after": "1" }), status(200)]);
    const { id } = await submit("/busy");
    expect((await finalDelivery(id)).attempts).toBe(2);
    const [first, second] = requestsTo("/busy");
    // The backoff alone would have waited 25–50 ms.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
  });

  it("refuses at delivery time a host that resolves to a refused address (no request, no retry)", async () => {
    const refusedBefore = await count("refused");
    const port = new URL(base).port;
    const { id } = await submit("/never", "Hello.", `https://localhost:${port}/never`);
    const view = await finalDelivery(id);
    expect(view).toMatchObject({ state: "dead", attempts: 1, last_status_code: null });
    expect(view.last_error).toMatch(/refused: localhost resolves to a loopback address/);
    expect(requestsTo("/never")).toHaveLength(0);
    expect(await count("refused")).toBe(refusedBefore + 1);
  });

  it("shows a job without an outcome yet as pending", async () => {
    await synth.pause();
    try {
      const { id } = await submit("/ok");
      expect(await readWebhookView(webhookQueue, connection, id)).toEqual({ state: "pending", attempts: 0, last_status_code: null, next_attempt_at: null });
    } finally {
      synth.resume();
    }
  });
});
