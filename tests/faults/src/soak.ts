// `pnpm soak`: steady load for a bounded time against its own Redis and stack, with
// short retention, sampling memory and key counts; fails when anything keeps growing
// once retention has had time to work.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { startStack, until } from "@voxqueue/e2e";
import { auditJobs, bullKey, queueCounts, submitJob } from "./jobs.js";
import { mib, rssBytes, redisStats } from "./measure.js";
import { startRedisServer } from "./redis-server.js";

const HELP = `usage: pnpm soak [--minutes N] [--rate R] [--retention S] [--out FILE]

Starts redis-server (AOF, own port), the API and one worker with JOB_RETENTION_SECONDS
and AUDIO_TTL_SECONDS set to --retention, submits R short jobs per second for N
minutes, samples worker and API RSS, Redis used_memory, key count and event-stream
length every 2 s, waits for the queue to drain and writes a JSON report.

Growth check: after a warm-up of retention + 30 s the steady part of the run is cut in
two halves; the run fails when the second half's peak exceeds the first's by more
than 20 % (plus a small absolute slack: 50 keys, 8 MiB of Redis, 64 MiB of RSS), when
the key count exceeds what retention allows (rate x (retention + 30 s) x 3 keys per
job), or when an accepted job was lost or failed.

  --minutes N    duration of the load (default 5; at least (retention + 90 s) / 60)
  --rate R       jobs per second (default 4)
  --retention S  JOB_RETENTION_SECONDS and AUDIO_TTL_SECONDS (default 60, the minimum)
  --out FILE     report path (default out/soak-report.json)
  --help         this text`;

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    rate: { type: "string", default: "4" },
    retention: { type: "string", default: "60" },
    out: { type: "string", default: "out/soak-report.json" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const retention = Number(values.retention);
const warmUpSeconds = retention + 30;
if (!(minutes > 0) || !(rate > 0) || !Number.isInteger(retention) || retention < 60 || minutes * 60 < warmUpSeconds + 60) {
  console.error(
    `invalid arguments: need --rate > 0, an integer --retention >= 60, and --minutes >= ${Math.ceil((warmUpSeconds + 60) / 60)} for this retention\n\n${HELP}`,
  );
  process.exit(2);
}
const say = (line: string) => console.error(`[soak] ${line}`);

interface SoakSample {
  t: number;
  worker_rss: number | null;
  api_rss: number | null;
  used_memory: number;
  keys: number;
  events: number;
  waiting: number;
}

const server = await startRedisServer();
const redis = new Redis(server.url());
const retentionEnv = { JOB_RETENTION_SECONDS: String(retention), AUDIO_TTL_SECONDS: String(retention), QUEUE_EVENTS_MAX_LEN: "1000" };
const stack = await startStack({ redisUrl: server.url(), apiEnv: retentionEnv, workerEnv: { ...retentionEnv, LOG_LEVEL: "warn" } });
const samples: SoakSample[] = [];
const ids: string[] = [];
const refused: Record<string, number> = {};
let report: Record<string, unknown> = {};
let ok = false;
try {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const sample = async () => {
    const [workerRss, apiRss, stats, events, counts] = await Promise.all([
      rssBytes(stack.workers[0]!.child.pid!),
      rssBytes(stack.api.child.pid!),
      redisStats(redis),
      redis.xlen(bullKey(stack.queueName, "events")),
      queueCounts(redis, stack.queueName),
    ]);
    samples.push({
      t: elapsed(),
      worker_rss: workerRss,
      api_rss: apiRss,
      used_memory: stats.usedMemoryBytes,
      keys: stats.keys,
      events,
      waiting: counts.waiting + counts.prioritized + counts.delayed,
    });
  };
  const sampler = setInterval(() => void sample().catch(() => undefined), 2000);
  const total = Math.round(minutes * 60 * rate);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    // Paced by the clock, not by answers: a slow answer does not slow the load down.
    const due = (i / rate) * 1000 - (performance.now() - t0);
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    pending.push(
      submitJob(stack.apiUrl, { text: `Soak job ${i} says hello.`, voice: "en_US-voxqueue_ref-x_low" }).then((res) => {
        if (res.status === 202) ids.push(res.id!);
        else refused[res.status] = (refused[res.status] ?? 0) + 1;
      }),
    );
    if (i % Math.round(rate * 30) === 0 && samples.length > 0) {
      const s = samples[samples.length - 1]!;
      say(
        `t=${Math.round(elapsed())} s submitted=${i} keys=${s.keys} used_memory=${mib(s.used_memory)} MiB worker_rss=${mib(s.worker_rss ?? 0)} MiB waiting=${s.waiting}`,
      );
    }
  }
  await Promise.all(pending);
  const loadSeconds = elapsed();
  say(`load done after ${Math.round(loadSeconds)} s; draining`);
  // Finished jobs older than the retention are gone: wait for nothing left to run.
  const counts = await until(
    "the queue to drain",
    async () => {
      const c = await queueCounts(redis, stack.queueName);
      return c.waiting + c.prioritized + c.delayed + c.active === 0 ? c : undefined;
    },
    5 * 60_000,
    500,
  );
  clearInterval(sampler);
  await sample();
  // Audit only jobs young enough to still be retained.
  const recent = ids.slice(-Math.floor(rate * (retention / 2)));
  const audit = await auditJobs(redis, stack.queueName, recent);

  const steady = samples.filter((s) => s.t >= warmUpSeconds && s.t <= loadSeconds);
  const half = Math.floor(steady.length / 2);
  const [a, b] = [steady.slice(0, half), steady.slice(half)];
  const peak = (xs: SoakSample[], f: (s: SoakSample) => number) => Math.max(0, ...xs.map(f));
  const failures: string[] = [];
  const grows = (name: string, f: (s: SoakSample) => number, slack: number) => {
    const [pa, pb] = [peak(a, f), peak(b, f)];
    if (pb > pa * 1.2 + slack) failures.push(`${name} grew from a peak of ${pa} to ${pb} after retention`);
    return { first_half_peak: pa, second_half_peak: pb };
  };
  const maxKeys = Math.ceil(rate * warmUpSeconds * 3 + 100);
  const growth = {
    keys: grows("key count", (s) => s.keys, 50),
    used_memory: grows("Redis used_memory", (s) => s.used_memory, 8 * 1024 * 1024),
    worker_rss: grows("worker RSS", (s) => s.worker_rss ?? 0, 64 * 1024 * 1024),
    api_rss: grows("API RSS", (s) => s.api_rss ?? 0, 64 * 1024 * 1024),
  };
  if (peak(samples, (s) => s.keys) > maxKeys) failures.push(`key count peaked at ${peak(samples, (s) => s.keys)}, more than retention allows (${maxKeys})`);
  if (a.length < 5 || b.length < 5) failures.push("too few steady samples to judge growth");
  if (audit.notCompleted.length > 0 || counts.failed > 0) failures.push(`${audit.notCompleted.length} recent jobs not completed, ${counts.failed} failed`);
  if (Object.keys(refused).length > 0) failures.push(`refused submits: ${JSON.stringify(refused)}`);
  ok = failures.length === 0;
  report = {
    ok,
    failures,
    settings: { minutes, rate, retention_seconds: retention, warm_up_seconds: warmUpSeconds, queue_events_max_len: 1000 },
    submitted: total,
    accepted: ids.length,
    refused,
    completed: counts.completed,
    failed: counts.failed,
    max_keys_allowed: maxKeys,
    peaks: {
      keys: peak(samples, (s) => s.keys),
      redis_used_memory_mib: mib(peak(samples, (s) => s.used_memory)),
      worker_rss_mib: mib(peak(samples, (s) => s.worker_rss ?? 0)),
      api_rss_mib: mib(peak(samples, (s) => s.api_rss ?? 0)),
      events_stream: peak(samples, (s) => s.events),
    },
    growth,
    samples,
  };
} finally {
  await stack.stop();
  redis.disconnect();
  await server.destroy();
}
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
const { samples: _samples, ...summary } = report;
console.log(JSON.stringify(summary, null, 2));
say(`${ok ? "ok" : "FAILED"}; report written to ${values.out}`);
process.exit(ok ? 0 : 1);
