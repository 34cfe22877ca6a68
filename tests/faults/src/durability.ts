// `pnpm durability`: what REDIS_WAIT_REPLICAS costs per submit. A primary and a replica
// (AOF, own ports), one worker (its voices make submits valid), and two API processes on
// the same queue: one with REDIS_WAIT_REPLICAS=1, one without. Submits alternate between
// them, one at a time, so both see the same load; writes a JSON report of their latencies.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { freePort, startApp, startStack, until } from "@voxqueue/e2e";
import { submitJob } from "./jobs.js";
import { startRedisServer } from "./redis-server.js";

const HELP = `usage: pnpm durability [--submits N] [--out FILE]

Starts a Redis primary and replica, a worker, and two APIs (REDIS_WAIT_REPLICAS=1 and 0)
on one queue; sends N submits to each, alternating, one at a time; writes a JSON report
of the latency of a 202 with and without WAIT (median, p95, mean, ms).

  --submits N   submits per API (default 300)
  --out FILE    report path (default out/durability-report.json)
  --help        this text`;

const { values } = parseArgs({
  options: {
    submits: { type: "string", default: "300" },
    out: { type: "string", default: "out/durability-report.json" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const submits = Number(values.submits);
if (!Number.isInteger(submits) || submits < 1) {
  console.error(`--submits must be a positive integer\n\n${HELP}`);
  process.exit(2);
}

/** Median, 95th percentile and mean of `ms`. */
function summary(ms: number[]): { median_ms: number; p95_ms: number; mean_ms: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { median_ms: round(at(0.5)), p95_ms: round(at(0.95)), mean_ms: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

const open = { SUBMIT_RATE_LIMIT: "0", MAX_JOBS_IN_FLIGHT_PER_KEY: "0", MAX_QUEUED_JOBS: "0" };
const primary = await startRedisServer();
const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
const stack = await startStack({ redisUrl: primary.url(), apiEnv: { ...open, REDIS_WAIT_REPLICAS: "1" }, workerEnv: { WORKER_CONCURRENCY: "1" } });
const port = await freePort();
const plain = startApp("api", { REDIS_URL: primary.url(), QUEUE_NAME: stack.queueName, PORT: String(port), HOST: "127.0.0.1", ...open });
const plainUrl = `http://127.0.0.1:${port}`;
try {
  await until("second API /readyz", async () => ((await fetch(`${plainUrl}/readyz`)).ok ? true : undefined), 120_000);
  const latency: Record<"wait" | "no_wait", number[]> = { wait: [], no_wait: [] };
  const send = async (which: "wait" | "no_wait", i: number) => {
    const t0 = performance.now();
    const res = await submitJob(which === "wait" ? stack.apiUrl : plainUrl, { text: `Durability probe ${i}.`, voice: "en_US-voxqueue_ref-x_low" });
    if (res.status !== 202) throw new Error(`submit ${i} to the ${which} API answered ${res.status} ${res.errorType ?? ""}`);
    latency[which].push(performance.now() - t0);
  };
  for (let i = 0; i < 20; i++) await send(i % 2 ? "wait" : "no_wait", i); // warm-up, not counted
  latency.wait.length = latency.no_wait.length = 0;
  for (let i = 0; i < submits; i++) {
    // Alternate which goes first, so neither always follows the other's write.
    for (const which of i % 2 ? (["wait", "no_wait"] as const) : (["no_wait", "wait"] as const)) await send(which, i);
  }
  const wait = summary(latency.wait);
  const noWait = summary(latency.no_wait);
  const report = {
    submits_each: submits,
    replicas: 1,
    wait,
    no_wait: noWait,
    added_median_ms: Math.round((wait.median_ms - noWait.median_ms) * 1000) / 1000,
    added_mean_ms: Math.round((wait.mean_ms - noWait.mean_ms) * 1000) / 1000,
  };
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, JSON.stringify(report, null, 2) + "\n");
  console.log(JSON.stringify(report));
} finally {
  await plain.stop();
  await stack.stop();
  await replica.destroy();
  await primary.destroy();
}
