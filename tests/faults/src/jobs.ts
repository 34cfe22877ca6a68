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

/** BullMQ's key of `suffix` in queue `queue` (default prefix `bull`). */
export function bullKey(queue: string, suffix: string): string {
  return `bull:${queue}:${suffix}`;
}

/** Jobs of `queue` per BullMQ state, read straight from its keys. */
export async function queueCounts(redis: Redis, queue: string): Promise<{ waiting: number; prioritized: number; delayed: number; active: number; completed: number; failed: number }> {
  const [waiting, prioritized, delayed, active, completed, failed] = (await redis
    .multi()
    .llen(bullKey(queue, "wait"))
    .zcard(bullKey(queue, "prioritized"))
    .zcard(bullKey(queue, "delayed"))
    .llen(bullKey(queue, "active"))
    .zcard(bullKey(queue, "completed"))
    .zcard(bullKey(queue, "failed"))
    .exec())!.map(([err, n]) => {
    if (err) throw err;
    return n as number;
  }) as [number, number, number, number, number, number];
  return { waiting, prioritized, delayed, active, completed, failed };
}

/** Waits until `expected` jobs of `queue` have finished (completed or failed) and none is left to run. */
export async function waitForDrain(redis: Redis, queue: string, expected: number, timeoutMs: number): Promise<Awaited<ReturnType<typeof queueCounts>>> {
  return until(
    `${expected} jobs of ${queue} to finish`,
    async () => {
      const c = await queueCounts(redis, queue);
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

/** Ids of `ids` whose state in `queue` is not `completed`, and how many audio keys exist for them. */
export async function auditJobs(redis: Redis, queue: string, ids: readonly string[]): Promise<{ notCompleted: string[]; audioKeys: number }> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.zscore(bullKey(queue, "completed"), id).exists(audioKey(id));
  const replies = (await pipeline.exec())!;
  const notCompleted: string[] = [];
  let audioKeys = 0;
  ids.forEach((id, i) => {
    if (replies[2 * i]?.[1] === null) notCompleted.push(id);
    audioKeys += Number(replies[2 * i + 1]?.[1] ?? 0);
  });
  return { notCompleted, audioKeys };
}
