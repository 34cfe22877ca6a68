// A real Prometheus (Debian's binary) scrapes a real API and two real workers with
// the repository's scrape template and rule files; the test sends jobs, then checks
// every recording rule and every dashboard query through Prometheus' HTTP API, and
// that RTF, throughput and P99 agree with the jobs' own results.
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYNTH_JOB_NAME, type JobView } from "@voxqueue/contracts";
import { dashboardQueries, substituteVariables } from "../../../infra/test/lib/dashboard.js";
import { recordingRules } from "../../../infra/test/lib/rules.js";
import { redisDbUrl, startStack, until, type TestStack } from "../src/index.js";
import { requirePrometheus, startPrometheus, type PrometheusServer, type PromSample } from "../src/prometheus.js";

// Logical database 11 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(11);
const VOICE = "en_US-voxqueue_ref-x_low";
const MIB = 1024 * 1024;
/** BUCKETS.synthesisDuration of @voxqueue/telemetry (the `le` bounds of tts_synthesis_duration_seconds). */
const SYNTHESIS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10];

// Worker 1 runs as on a CPU host (no nvidia-smi on its PATH); worker 2 finds a fake
// nvidia-smi printing two GPUs in the real CSV format, so the GPU rule and panels have
// data with known values. (On a real CPU host without the fake, the GPU queries are
// legitimately empty; worker 1 shows exactly that.)
const FAKE_GPUS = "0, 2048, 16384\n1, 4096, 16384";

const TEXTS = [
  "The night train left on time.",
  "Queues smooth out bursts of work, so a slow voice never blocks the caller.",
  "Seven kettles whistled at once, and nobody in the kitchen knew which one to lift first.",
  "Short one.",
  "Measure twice, cut once: the carpenter's rule applies to latency budgets as well as to wood.",
  "A lighthouse keeper counts the seconds between flashes to name the coast in the dark.",
];
const UNPRONOUNCEABLE = "... ?! — «»";
/** Signs the webhook test's deliveries (a `whsec_` secret as Standard Webhooks defines it). */
const WEBHOOK_ENV = { WEBHOOK_SECRET: `whsec_${Buffer.from("prometheus-e2e-secret-0123456789").toString("base64")}`, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" };

/** PATH without any directory that holds an nvidia-smi, so a worker behaves as on a CPU host. */
const cpuPath = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => !existsSync(join(dir, "nvidia-smi")))
  .join(delimiter);

function fakeNvidiaSmiDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vq-e2e-fake-gpu-"));
  writeFileSync(join(dir, "nvidia-smi"), `#!/bin/sh\ncat <<'END'\n${FAKE_GPUS}\nEND\n`);
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  return dir;
}

let stack: TestStack;
let prom: PrometheusServer;
let fakeGpuDir: string;
let startedAtSeconds: number;
/** A loopback webhook receiver that answers 204 to every delivery, and the bodies it got. */
let receiver: Server;
const deliveries: string[] = [];
const hostPort = (url: string) => new URL(url).host;

beforeAll(async () => {
  requirePrometheus(); // fail before spending time on the stack
  startedAtSeconds = Math.floor(Date.now() / 1000) - 5;
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      deliveries.push(body);
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  // The audio cache is on (the e2e default is off), so a repeated request can hit it.
  const cacheEnv = { AUDIO_CACHE_MAX_BYTES: String(64 * MIB) };
  stack = await startStack({
    redisUrl: REDIS_URL,
    apiEnv: { ...WEBHOOK_ENV, ...cacheEnv },
    workerEnv: { ...WEBHOOK_ENV, ...cacheEnv, WORKER_CONCURRENCY: "1", PATH: cpuPath },
  });
  fakeGpuDir = fakeNvidiaSmiDir();
  await stack.addWorker({ PATH: `${fakeGpuDir}${delimiter}${cpuPath}` });
  prom = await startPrometheus({ api: hostPort(stack.apiUrl), workers: stack.workerMetricsUrls.map(hostPort) });
});
afterAll(async () => {
  await prom?.stop();
  await stack?.stop();
  receiver?.closeAllConnections();
  receiver?.close();
  if (fakeGpuDir) rmSync(fakeGpuDir, { recursive: true, force: true });
});

/** Polls `expr` until `ok` accepts its samples (Prometheus scrapes and evaluates every second). */
async function queryUntil(expr: string, ok: (samples: PromSample[]) => boolean, timeoutMs = 90_000): Promise<PromSample[]> {
  let last: PromSample[] = [];
  try {
    return await until(
      `Prometheus: ${expr}`,
      async () => {
        last = await prom.query(expr);
        return ok(last) ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last result ${JSON.stringify(last)}`);
  }
}

/** The single sample of `expr` (fails when there is none or several). */
async function scalar(expr: string): Promise<number> {
  const samples = await prom.query(expr);
  expect(samples, `${expr} → ${JSON.stringify(samples)}`).toHaveLength(1);
  return samples[0]!.value;
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function finished(id: string): Promise<JobView> {
  return until(
    `job ${id}`,
    async () => {
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
      return job.status === "completed" || job.status === "failed" ? job : undefined;
    },
    undefined,
    200,
  );
}

describe("Prometheus against the live API and workers", () => {
  const jobs: JobView[] = [];
  const texts: string[] = [];
  /** When Prometheus had the zero-initialised series, and when it had the final counters (ms). */
  let zeroSeenAt = 0;
  let finalSeenAt = 0;

  it("scrapes all three targets, and the workers' zero-initialised series before any job", async () => {
    const up = await queryUntil('up{job=~"voxqueue-api|voxqueue-worker"}', (s) => s.length === 3 && s.every((x) => x.value === 1));
    expect(up.map((s) => s.metric.job).sort()).toEqual(["voxqueue-api", "voxqueue-worker", "voxqueue-worker"]);
    // 2 workers x 2 voices x {success, error}, all 0: the first job's increase is visible.
    await queryUntil("tts_requests_total == 0", (s) => s.length === 8);
    await queryUntil('tts_errors_total{job="voxqueue-worker"} == 0', (s) => s.length === 2 * 6);
    zeroSeenAt = Date.now();
  });

  it("runs a dozen x_low jobs and one that fails (invalid_input) through the queue", async () => {
    // Twelve different texts: none may be answered from the audio cache (each is synthesized).
    const bodies = Array.from({ length: 12 }, (_, i) => ({ text: i < TEXTS.length ? TEXTS[i]! : `Once more: ${TEXTS[i % TEXTS.length]!}`, voice: VOICE }));
    bodies.push({ text: UNPRONOUNCEABLE, voice: VOICE });
    texts.push(...bodies.map((b) => b.text));
    const ids = await Promise.all(bodies.map(submit));
    jobs.push(...(await Promise.all(ids.map(finished))));
    expect(jobs.filter((j) => j.status === "completed")).toHaveLength(12);
    expect(jobs.at(-1)).toMatchObject({ status: "failed", error: { type: "invalid_input" } });
    // Prometheus has scraped the final counters of both workers.
    await queryUntil("sum(tts_requests_total)", (s) => s[0]?.value === 13);
    finalSeenAt = Date.now();
  });

  /**
   * The single sample of the recorded series `expr` from a rule evaluation at or after
   * finalSeenAt. A raw sample visible to a query then has a timestamp at or before it,
   * and an evaluation at a later timestamp runs later still, so it includes that sample:
   * the recorded value reflects every job. (Rules evaluate every second.)
   */
  async function recorded(expr: string): Promise<number> {
    const samples = await queryUntil(`(${expr}) and (timestamp(${expr}) >= ${finalSeenAt / 1000})`, (s) => s.length === 1);
    return samples[0]!.value;
  }

  it("RTF, throughput and P99 agree with the jobs' own results", async () => {
    const done = jobs.filter((j) => j.status === "completed").map((j) => j.result!);
    const synthesis = done.reduce((n, r) => n + r.synthesis_s, 0);
    const audio = done.reduce((n, r) => n + r.audio_duration_s, 0);
    const rtf = synthesis / audio;
    const model = `model="${VOICE}"`;

    // Exact: the raw _sum counters are the jobs' own numbers.
    expect(await scalar(`sum(tts_synthesis_duration_seconds_sum{${model}})`)).toBeCloseTo(synthesis, 9);
    expect(await scalar(`sum(tts_audio_duration_seconds_sum{${model}})`)).toBeCloseTo(audio, 9);
    expect(await scalar(`sum(tts_synthesis_duration_seconds_count{${model}})`)).toBe(12);
    expect(await scalar(`sum(tts_requests_total{${model},status="success"})`)).toBe(12);
    expect(await scalar(`sum(tts_requests_total{${model},status="error"})`)).toBe(1);
    expect(await scalar('sum(tts_errors_total{job="voxqueue-worker",error_type="invalid_input"})')).toBe(1);
    expect(
      await scalar(`sum(increase(tts_synthesis_duration_seconds_sum{${model}}[5m])) / sum(increase(tts_audio_duration_seconds_sum{${model}}[5m]))`),
    ).toBeCloseTo(rtf, 2);

    // increase()/rate() extrapolate: not towards the window's start (every series
    // started at 0, and Prometheus never extrapolates a counter below zero), but up to
    // 1.1 scrape intervals past the last sample. So they read at least the true value
    // and at most (S + 1.1 x interval) / S of it, S being how long the series has been
    // scraped: at least zeroSeenAt..finalSeenAt less one interval (1 s, 1.5 s allowed
    // for late scrapes on a busy machine).
    const scrapedSeconds = Math.max(1, (finalSeenAt - zeroSeenAt) / 1000 - 1.5);
    const extrapolation = 1 + (1.1 * 1.5) / scrapedSeconds;
    const within = (value: number, expected: number) => {
      expect(value).toBeGreaterThanOrEqual(expected * 0.999);
      expect(value, `at most x${extrapolation.toFixed(3)} of ${expected} (series scraped for ${scrapedSeconds.toFixed(1)} s)`).toBeLessThanOrEqual(
        expected * extrapolation,
      );
    };
    within(await scalar("sum(increase(tts_requests_total[5m]))"), 13);
    within(await scalar('sum(increase(tts_errors_total{job="voxqueue-worker",error_type="invalid_input"}[5m]))'), 1);

    // The recorded series, each read only once its rule has been evaluated after every
    // job's final counters were scraped (finalSeenAt). An earlier evaluation may lack the
    // last jobs, and a value threshold cannot tell: extrapolation can lift 12 jobs' rate
    // above 13's (an error ratio read that way was once 0).
    const throughput = await recorded('job:tts_requests:rate5m{job="voxqueue-worker"}');
    within(throughput * 300, 13);
    within((await recorded(`model:tts_audio_duration_seconds_sum:rate5m{${model}}`)) * 300, audio);
    within((await recorded(`model:tts_synthesis_duration_seconds_sum:rate5m{${model}}`)) * 300, synthesis);
    const recordedRtf = await recorded(`model:tts_rtf:ratio_rate5m{${model}}`);
    expect(Math.abs(recordedRtf / rtf - 1), `recorded ${recordedRtf}, jobs ${rtf}`).toBeLessThan(0.05);
    const jobRtf = await recorded('job:tts_rtf:ratio_rate5m{job="voxqueue-worker"}');
    expect(Math.abs(jobRtf / rtf - 1)).toBeLessThan(0.05);
    // A ratio of two rates: each side extrapolates on its own, so the ratio lies within
    // a factor `extrapolation` of the jobs' 1/13 either way.
    const errorRatio = await recorded(`model:tts_requests_errors:ratio_rate5m{${model}}`);
    expect(errorRatio).toBeGreaterThanOrEqual((1 / 13 / extrapolation) * 0.999);
    expect(errorRatio).toBeLessThanOrEqual((1 / 13) * extrapolation);

    // P99 of 12 observations lies in the bucket of the largest one.
    const max = Math.max(...done.map((r) => r.synthesis_s));
    const upper = SYNTHESIS_BUCKETS.find((le) => max <= le) ?? Infinity;
    const lower = [0, ...SYNTHESIS_BUCKETS].filter((le) => le < upper).at(-1)!;
    const p99 = await recorded('job:tts_synthesis_duration_seconds:p99_rate5m{job="voxqueue-worker"}');
    expect(p99, `max synthesis_s ${max} is in (${lower}, ${upper}]`).toBeGreaterThan(lower);
    expect(p99).toBeLessThanOrEqual(Math.min(upper, 10));
  });

  it("a webhook job, a repeated request and a streamed speech request feed the webhook, cache and first-audio series", async () => {
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hooked = await finished(await submit({ text: "A webhook carries this one home.", voice: VOICE, webhook_url: hookUrl }));
    expect(hooked.status).toBe("completed");
    await until("one webhook delivery", async () => (deliveries.length >= 1 ? true : undefined));
    expect(JSON.parse(deliveries[0]!)).toMatchObject({ type: "job.completed", data: { id: hooked.id } });

    // The same request as a completed job: answered from the audio cache at once.
    const res = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: TEXTS[0], voice: VOICE }),
    });
    expect(await res.json()).toMatchObject({ status: "completed" });

    const speech = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "tts-1",
        input: "Streamed speech starts with its first sentence. Then the second follows.",
        voice: VOICE,
        response_format: "pcm",
      }),
    });
    expect(speech.status).toBe(200);
    expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(0);
    texts.push("A webhook carries this one home.", "Streamed speech starts with its first sentence. Then the second follows.");

    await queryUntil('sum(tts_webhook_deliveries_total{outcome="delivered"})', (s) => s[0]?.value === 1);
    await queryUntil('sum(tts_cache_requests_total{result="hit"})', (s) => (s[0]?.value ?? 0) >= 1);
    await queryUntil("sum(tts_time_to_first_audio_seconds_count)", (s) => (s[0]?.value ?? 0) >= 1);
    // The recorded series of those counters, evaluated after the scrape that saw them.
    const seen = Date.now() / 1000;
    for (const rule of ["job:tts_cache_hits:ratio_rate5m", "outcome:tts_webhook_deliveries:rate5m"]) {
      await queryUntil(`${rule} and (timestamp(${rule}) >= ${seen})`, (s) => s.length >= 1);
    }
  });

  it("every recording rule records data", async () => {
    const rules = recordingRules();
    expect(rules.length).toBeGreaterThanOrEqual(20);
    const empty: string[] = [];
    for (const rule of rules) {
      const samples = await prom.query(rule.record);
      if (samples.length === 0) empty.push(rule.record);
      for (const s of samples) expect(Number.isFinite(s.value), `${rule.record} ${JSON.stringify(s)}`).toBe(true);
    }
    expect(empty, "recording rules without data").toEqual([]);
  });

  it("every dashboard query returns data", async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThanOrEqual(25);
    const empty: string[] = [];
    for (const q of queries) {
      const samples = await prom.query(substituteVariables(q.expr));
      if (samples.length === 0) empty.push(`${q.panel} / ${q.refId}: ${q.expr}`);
    }
    expect(empty, "dashboard queries without data").toEqual([]);
  });

  it("GPU memory: the fake GPU worker's values arrive exactly; the CPU worker exports none and says so once", async () => {
    const [cpu, gpu] = stack.workerMetricsUrls.map(hostPort) as [string, string];
    expect(await prom.query(`tts_gpu_memory_bytes{instance="${cpu}"}`)).toEqual([]);
    expect(await prom.query(`tts_gpu_memory_total_bytes{instance="${cpu}"}`)).toEqual([]);
    expect(await prom.query(`instance_gpu_id:tts_gpu_memory_used:ratio{instance="${cpu}"}`)).toEqual([]);
    expect(stack.workers[0]!.logs().filter((l) => String(l.msg).startsWith("GPU metrics off"))).toHaveLength(1);

    const used = await prom.query(`tts_gpu_memory_bytes{instance="${gpu}"}`);
    expect(Object.fromEntries(used.map((s) => [s.metric.gpu_id, s.value]))).toEqual({ "0": 2048 * MIB, "1": 4096 * MIB });
    const ratio = await prom.query(`instance_gpu_id:tts_gpu_memory_used:ratio{instance="${gpu}"}`);
    expect(Object.fromEntries(ratio.map((s) => [s.metric.gpu_id, s.value]))).toEqual({ "0": 0.125, "1": 0.25 });
    expect(await scalar("max(instance_gpu_id:tts_gpu_memory_used:ratio) * 100")).toBe(25);
    expect(stack.workers[1]!.logs().filter((l) => String(l.msg).startsWith("GPU metrics on"))).toHaveLength(1);
  });

  it("labels carry no job id and no text", async () => {
    const series = await prom.series('{__name__=~"tts_.+"}', startedAtSeconds);
    expect(series.length).toBeGreaterThan(50);
    const allowed = new Set([
      "__name__",
      "job",
      "instance",
      "queue",
      "state",
      "model",
      "language",
      "status",
      "error_type",
      "gpu_id",
      "le",
      "method",
      "route",
      "status_code",
      "result",
      "reason",
      "format",
      "outcome",
      "execution_provider",
      "lane",
    ]);
    const values = new Set<string>();
    for (const labels of series) {
      for (const [name, value] of Object.entries(labels)) {
        expect(allowed.has(name), `unexpected label ${name} on ${labels.__name__}`).toBe(true);
        values.add(value);
      }
    }
    for (const value of values) {
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
      for (const job of jobs) expect(value).not.toContain(job.id);
      for (const text of texts) expect(text.includes(value) && value.length >= 8, `label value "${value}" is a piece of a job's text`).toBe(false);
    }
  });

  it("tts_queue_length: summing the raw gauge counts the backlog once per process; the recorded rule does not", async () => {
    // A backlog that stays put while both workers run: delayed jobs (due in 10 minutes).
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(stack.queueName, { connection });
    try {
      await queue.addBulk(
        Array.from({ length: 5 }, (_, i) => ({ name: SYNTH_JOB_NAME, data: { text: `delayed ${i}`, voice: VOICE }, opts: { delay: 600_000 } })),
      );
      const counts = await queue.getJobCounts("waiting", "prioritized", "delayed");
      const backlog = Object.values(counts).reduce((n, c) => n + c, 0);
      expect(backlog).toBe(5);
      const q = `queue="${stack.queueName}"`;
      // The API and both workers each export the same Redis reading.
      await queryUntil(`tts_queue_length{${q},state="delayed"}`, (s) => s.length === 3 && s.every((x) => x.value === backlog));
      expect(await scalar(`sum(tts_queue_length{${q}})`)).toBe(3 * backlog);
      await queryUntil(`queue:tts_queue_length:sum_max{${q}}`, (s) => s[0]?.value === backlog);
      expect(await scalar(`sum by (queue) (max by (queue, state) (tts_queue_length{${q}}))`)).toBe(backlog);
      expect(await scalar(`queue_state:tts_queue_length:max{${q},state="delayed"}`)).toBe(backlog);
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await connection.quit();
    }
  });
});
