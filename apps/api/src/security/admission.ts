import type { Response } from "express";
import { VoxqueueError } from "@voxqueue/contracts";
import { BACKLOG_STATES } from "@voxqueue/telemetry";
import { redisStep, serviceUnavailable } from "../errors.js";
import type { SynthQueue } from "../queues.js";
import type { AppDeps } from "../types.js";
import { apiKeyOf } from "./caller.js";
import { JobsInFlight } from "./in-flight.js";
import { SubmitRateLimit } from "./rate-limit.js";

/**
 * What a submit must pass before anything is stored, in this order: the API key's rate
 * limit ({@link rate}), the queue's backlog ({@link backlog}) and the key's cap on jobs in
 * flight ({@link reserve}). Per-key limits need a key: while the API runs open only the
 * backlog limit applies. Each refusal is counted in `tts_requests_refused_total{reason}`.
 */
export class SubmitAdmission {
  private readonly rateLimit: SubmitRateLimit | null;
  private readonly inFlight: JobsInFlight | null;

  constructor(private readonly deps: Pick<AppDeps, "redis" | "config" | "metrics">) {
    const { config, redis, metrics } = deps;
    this.rateLimit = config.SUBMIT_RATE_LIMIT > 0 ? new SubmitRateLimit(redis, config.SUBMIT_RATE_LIMIT, config.SUBMIT_RATE_WINDOW_SECONDS, metrics) : null;
    // A queued job waits at most until it is removed; a day past retention covers every wait.
    this.inFlight =
      config.MAX_JOBS_IN_FLIGHT_PER_KEY > 0 ? new JobsInFlight(redis, config.MAX_JOBS_IN_FLIGHT_PER_KEY, config.JOB_RETENTION_SECONDS + 86_400) : null;
  }

  /** Counts the submit against its key's rate limit. @throws VoxqueueError `rate_limited` (429) */
  async rate(res: Response): Promise<void> {
    const name = apiKeyOf(res);
    if (name !== undefined && this.rateLimit) await this.rateLimit.consume(name, res);
  }

  /**
   * Refuses while `queue`'s backlog (waiting + prioritized + delayed) is at `MAX_QUEUED_JOBS`.
   * Two replicas can both pass at the last place: the limit is exact to within the submits in flight.
   * @throws VoxqueueError `service_unavailable` (503, `Retry-After: QUEUE_FULL_RETRY_AFTER_SECONDS`)
   */
  async backlog(queue: SynthQueue, res: Response): Promise<void> {
    const max = this.deps.config.MAX_QUEUED_JOBS;
    if (max <= 0) return;
    const counts = await redisStep("read backlog", () => queue.getJobCounts(...BACKLOG_STATES));
    const backlog = BACKLOG_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
    if (backlog < max) return;
    this.deps.metrics.requestsRefused.inc({ reason: "queue_full" });
    res.set("Retry-After", String(this.deps.config.QUEUE_FULL_RETRY_AFTER_SECONDS));
    throw serviceUnavailable(`the queue is full (${backlog} jobs waiting, MAX_QUEUED_JOBS is ${max}); nothing was stored, retry later`);
  }

  /**
   * Takes a place among the key's jobs in flight for job `id` of `queue`. A place whose job
   * never gets added (the add failed) is freed after `UNADDED_GRACE_MS`: the add may have
   * stored the job although it timed out, so it is not given back at once.
   * @throws VoxqueueError `in_flight_limit` (429, `Retry-After`) at `MAX_JOBS_IN_FLIGHT_PER_KEY`
   */
  async reserve(queue: SynthQueue, id: string, res: Response): Promise<void> {
    const name = apiKeyOf(res);
    const inFlight = this.inFlight;
    if (name === undefined || !inFlight) return;
    const count = await redisStep("reserve a place in flight", () => inFlight.reserve(name, queue.toKey(id)));
    if (count === null) return;
    this.deps.metrics.requestsRefused.inc({ reason: "in_flight_limit" });
    res.set("Retry-After", String(this.deps.config.QUEUE_FULL_RETRY_AFTER_SECONDS));
    throw new VoxqueueError(
      "in_flight_limit",
      `this API key has ${count} jobs queued or active, the most MAX_JOBS_IN_FLIGHT_PER_KEY allows; retry when one finishes`,
    );
  }
}
