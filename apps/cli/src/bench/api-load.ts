import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { Queue } from "bullmq";
import { REPO_ROOT } from "@voxqueue/config";
import type { BenchStack } from "./bench-stack.js";
import { interleave, ratioSpread, spread, type Spread } from "./stats.js";

/** Submits under load (measure 5): ours and the bare baseline, interleaved. */
export interface ApiLoadResult {
  connections: number;
  duration_s: number;
  rounds: number;
  voxqueue: { submits_per_s: Spread; p50_ms: Spread; p99_ms: Spread; errors: number; jobs_queued_at_end: number };
  bare: { submits_per_s: Spread; p50_ms: Spread; p99_ms: Spread; errors: number };
  /** Round by round: ours over the bare server. */
  ratio: Spread;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function hammer(url: string, body: string, connections: number, duration: number): Promise<Run> {
  const r = await autocannon({ url, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

/**
 * `POST /v1/jobs` as fast as `connections` clients can for `duration` seconds, with the
 * stack's queue paused (the workers take nothing: the queue grows, as under a burst),
 * beside a bare `http` + `Queue.add` server on the same Redis, interleaved.
 */
export async function measureApi(
  stack: BenchStack,
  redisUrl: string,
  body: Record<string, unknown>,
  opts: { connections: number; duration: number; rounds: number },
  log: (line: string) => void,
): Promise<ApiLoadResult> {
  const queue = new Queue(stack.queueName, { connection: stack.redis });
  await queue.pause();
  const bareQueue = `${stack.queueName}-bare`;
  const bare = spawn(process.execPath, ["--import", "tsx", "apps/cli/src/bench/bare-submit-server.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE_NAME: bareQueue },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [bareUrl] = (await once(createInterface({ input: bare.stdout! }), "line")) as [string];
    const payload = JSON.stringify(body);
    const runs: { voxqueue: Run[]; bare: Run[] } = { voxqueue: [], bare: [] };
    await interleave(
      opts.rounds,
      {
        voxqueue: async () => (
          runs.voxqueue.push(await hammer(`${stack.apiUrl}/v1/jobs`, payload, opts.connections, opts.duration)),
          runs.voxqueue.at(-1)!.rps
        ),
        bare: async () => (runs.bare.push(await hammer(bareUrl, payload, opts.connections, opts.duration)), runs.bare.at(-1)!.rps),
      },
      (r) => log(`api: round ${r + 1}/${opts.rounds}`),
    );
    const counts = await queue.getJobCounts("waiting", "prioritized");
    const summary = (rs: Run[]) => ({
      submits_per_s: spread(rs.map((r) => r.rps)),
      p50_ms: spread(rs.map((r) => r.p50)),
      p99_ms: spread(rs.map((r) => r.p99)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    });
    return {
      connections: opts.connections,
      duration_s: opts.duration,
      rounds: opts.rounds,
      voxqueue: { ...summary(runs.voxqueue), jobs_queued_at_end: Object.values(counts).reduce((a, b) => a + b, 0) },
      bare: summary(runs.bare),
      ratio: ratioSpread(
        runs.voxqueue.map((r) => r.rps),
        runs.bare.map((r) => r.rps),
      ),
    };
  } finally {
    bare.kill("SIGTERM");
    await once(bare, "exit").catch(() => undefined);
    const q = new Queue(bareQueue, { connection: stack.redis });
    await q.obliterate({ force: true });
    await q.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
