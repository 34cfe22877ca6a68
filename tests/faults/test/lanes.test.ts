import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { laneQueue } from "@voxqueue/contracts";
import { until } from "@voxqueue/e2e";
import { bullKey, queueCounts, startFaultStack, stopFaultStack, submitJob, waitForDrain } from "../src/index.js";

type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

// Priority lanes end to end: one worker, its batch lane full of a 200-job backlog, then
// one interactive job. Everything is read from BullMQ's own records of each job
// (timestamp = submitted, processedOn = started, finishedOn = finished), not from the
// test's clock: how many batch jobs finished between the interactive job's submit and its
// start, and its wait next to one batch job's median time.
const BATCH_JOBS = 200;
/** Batch jobs finished before the interactive job is submitted: the backlog is being worked on. */
const BACKLOG_STARTED = 5;
const BATCH_TEXT = "A batch job reads this sentence. Then it reads a second one.";
const INTERACTIVE_TEXT = "An interactive sentence, please.";

let world: Partial<FaultStack> = {};
beforeAll(async () => {
  // Two batch jobs at once on one inference thread: batch sentences always wait for the
  // thread, so the interactive job's sentences must get ahead of them (BATCH_SHARE_EVERY 4).
  world = await startFaultStack({
    workers: 1,
    workerEnv: { WORKER_CONCURRENCY: "2", INFERENCE_THREADS: "1", LOG_LEVEL: "warn" },
    apiEnv: { LOG_LEVEL: "warn" },
  });
});
afterAll(() => stopFaultStack(world));

/** BullMQ's submit, start and finish times of job `id` in `queue`, ms since epoch. */
async function times(queue: string, id: string): Promise<{ submitted: number; started: number; finished: number }> {
  const [submitted, started, finished] = await world.redis!.hmget(bullKey(queue, id), "timestamp", "processedOn", "finishedOn");
  return { submitted: Number(submitted), started: Number(started), finished: Number(finished) };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe(`a ${BATCH_JOBS}-job batch backlog and one interactive job on one worker`, () => {
  it("starts the interactive job within about one batch job's time, and the batch still drains fully", async () => {
    const { stack, redis } = world as FaultStack;
    const interactiveQueue = stack.queueName;
    const batchQueue = laneQueue(interactiveQueue, "batch");
    const batchIds: string[] = [];
    for (let i = 0; i < BATCH_JOBS; i++) {
      const sub = await submitJob(stack.apiUrl, { text: BATCH_TEXT, lane: "batch" });
      expect(sub.status, sub.errorType).toBe(202);
      batchIds.push(sub.id!);
    }
    await until(
      "the batch backlog to be under way",
      async () => ((await queueCounts(redis, batchQueue)).completed >= BACKLOG_STARTED ? true : undefined),
      600_000,
      50,
    );
    const sub = await submitJob(stack.apiUrl, { text: INTERACTIVE_TEXT });
    expect(sub.status, sub.errorType).toBe(202);
    const interactiveId = sub.id!;
    await until(
      "the interactive job to complete",
      async () => ((await redis.hget(bullKey(interactiveQueue, interactiveId), "finishedOn")) ? true : undefined),
      600_000,
      50,
    );
    const interactive = await times(interactiveQueue, interactiveId);

    const drained = await waitForDrain(redis, batchQueue, BATCH_JOBS, 1_200_000);
    expect(drained).toMatchObject({ completed: BATCH_JOBS, failed: 0 });
    const batch = await Promise.all(batchIds.map((id) => times(batchQueue, id)));
    const batchMedianMs = median(batch.map((b) => b.finished - b.started));
    const finishedBetween = (from: number, to: number) => batch.filter((b) => b.finished > from && b.finished <= to).length;
    const figures = {
      test: "lanes",
      batch_jobs: BATCH_JOBS,
      batch_completed: drained.completed,
      batch_failed: drained.failed,
      batch_share_every: 4,
      worker_concurrency_per_lane: 2,
      inference_threads: 1,
      batch_finished_before_interactive_submit: finishedBetween(0, interactive.submitted),
      batch_finished_between_submit_and_start: finishedBetween(interactive.submitted, interactive.started),
      batch_finished_between_submit_and_finish: finishedBetween(interactive.submitted, interactive.finished),
      batch_finished_after_interactive: finishedBetween(interactive.finished, Infinity),
      interactive_wait_s: (interactive.started - interactive.submitted) / 1000,
      interactive_total_s: (interactive.finished - interactive.submitted) / 1000,
      batch_job_median_s: batchMedianMs / 1000,
      interactive_wait_per_batch_job: (interactive.started - interactive.submitted) / batchMedianMs,
      interactive_total_per_batch_job: (interactive.finished - interactive.submitted) / batchMedianMs,
    };
    console.log(JSON.stringify(figures));
    // The backlog was really there: most of it was still waiting when the interactive job finished.
    expect(figures.batch_finished_after_interactive).toBeGreaterThan(BATCH_JOBS / 2);
    // Its own lane's worker slot was free: no batch job had to finish before it started…
    expect(figures.batch_finished_between_submit_and_start).toBeLessThanOrEqual(1);
    expect(interactive.started - interactive.submitted).toBeLessThanOrEqual(batchMedianMs);
    // …and its sentences went ahead of the batch's in the inference pool: it finished
    // while at most a couple of the batch jobs in flight did.
    expect(figures.batch_finished_between_submit_and_finish).toBeLessThanOrEqual(2);
  }, 1_800_000);
});
