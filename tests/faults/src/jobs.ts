import type { Redis } from "ioredis";
import { audioKey } from "@voxqueue/contracts";
import { until, type AppProcess } from "@voxqueue/e2e";

/** The answer to one `POST /v1/jobs`. */
export interface Submission {
  status: number;
  /** Job id of a 202. */
  id?: string;
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
  /** Error type of a non-2xx answer. */
  errorType?: string;
  /** ms since epoch when the answer came. */
  at: number;
}

/** Posts `body` as a job; never throws for an HTTP error (a refused connection still throws). */
export async function submitJob(apiUrl: string, body: Record<string, unknown>): Promise<Submission> {
  const res = await fetch(`${apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as { id?: string; error?: { type?: string } };
  return {
    status: res.status,
    ...(json.id ? { id: json.id } : {}),
    retryAfter: res.headers.get("retry-after"),
    ...(json.error?.type ? { errorType: json.error.type } : {}),
    at: Date.now(),
  };
}

/** BullMQ's key of `suffix` in queue `queue` under `prefix` (`QUEUE_PREFIX`; BullMQ's default `bull`). */
export function bullKey(queue: string, suffix: string, prefix = "bull"): string {
  return `${prefix}:${queue}:${suffix}`;
}

/** Jobs of `queue` per BullMQ state, read straight from its keys (one slot on a Cluster: the prefix's hash tag). */
export async function queueCounts(
  redis: Redis,
  queue: string,
  prefix?: string,
): Promise<{ waiting: number; prioritized: number; delayed: number; active: number; completed: number; failed: number }> {
  const key = (suffix: string) => bullKey(queue, suffix, prefix);
  const [waiting, prioritized, delayed, active, completed, failed] = (await redis
    .multi()
    .llen(key("wait"))
    .zcard(key("prioritized"))
    .zcard(key("delayed"))
    .llen(key("active"))
    .zcard(key("completed"))
    .zcard(key("failed"))
    .exec())!.map(([err, n]) => {
    if (err) throw err;
    return n as number;
  }) as [number, number, number, number, number, number];
  return { waiting, prioritized, delayed, active, completed, failed };
}

/** Waits until `expected` jobs of `queue` have finished (completed or failed) and none is left to run. */
export async function waitForDrain(
  redis: Redis,
  queue: string,
  expected: number,
  timeoutMs: number,
  prefix?: string,
): Promise<Awaited<ReturnType<typeof queueCounts>>> {
  return until(
    `${expected} jobs of ${queue} to finish`,
    async () => {
      const c = await queueCounts(redis, queue, prefix);
      const open = c.waiting + c.prioritized + c.delayed + c.active;
      return c.completed + c.failed >= expected && open === 0 ? c : undefined;
    },
    timeoutMs,
    250,
  );
}

/** How many times each job id was logged `job completed` (BullMQ recorded it) across these worker processes. */
export function completionsByJob(workers: readonly AppProcess[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of workers) {
    for (const text of w.output().split("\n")) {
      if (!text.includes('"job completed"')) continue;
      let line: { msg?: string; job_id?: string };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        continue; // the line being written right now
      }
      if (line.msg === "job completed" && typeof line.job_id === "string") counts.set(line.job_id, (counts.get(line.job_id) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Ids of `ids` whose state in `queue` is not `completed`, and how many audio keys exist
 * for them. One command per key (on a Cluster the audio keys are spread over the nodes).
 */
export async function auditJobs(redis: Redis, queue: string, ids: readonly string[], prefix?: string): Promise<{ notCompleted: string[]; audioKeys: number }> {
  const completed = bullKey(queue, "completed", prefix);
  const [scores, exists] = await Promise.all([
    Promise.all(ids.map((id) => redis.zscore(completed, id))),
    Promise.all(ids.map((id) => redis.exists(audioKey(id)))),
  ]);
  return { notCompleted: ids.filter((_, i) => scores[i] === null), audioKeys: exists.reduce((a, b) => a + b, 0) };
}
