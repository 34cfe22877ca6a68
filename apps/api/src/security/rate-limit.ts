import type { Response } from "express";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { SUBMIT_RATE_LIMIT_PREFIX, VoxqueueError } from "@voxqueue/contracts";
import type { ApiMetrics } from "@voxqueue/telemetry";
import { serviceUnavailable } from "../errors.js";

/**
 * The per-API-key submit rate limit: `points` submits per `windowSeconds`, a fixed
 * window counted in Redis by rate-limiter-flexible, so every API replica shares it.
 *
 * Headers follow draft-ietf-httpapi-ratelimit-headers-06 (the separate fields, as
 * express-rate-limit's `draft-6`): `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds until the window ends) and `RateLimit-Policy` (`120;w=60`),
 * on every counted submit; a refusal adds `Retry-After` (the same seconds).
 */
export class SubmitRateLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    private readonly points: number,
    private readonly windowSeconds: number,
    private readonly metrics: Pick<ApiMetrics, "requestsRefused">,
  ) {
    // rejectIfRedisNotReady: while Redis is away a submit fails at once (503) instead of waiting.
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: SUBMIT_RATE_LIMIT_PREFIX,
      points,
      duration: windowSeconds,
      rejectIfRedisNotReady: true,
    });
  }

  /**
   * Counts one submit of key `name` and sets the headers on `res`.
   * @throws VoxqueueError `rate_limited` (429, `Retry-After`) past the limit; `service_unavailable` when Redis does not answer
   */
  async consume(name: string, res: Response): Promise<void> {
    let result: RateLimiterRes;
    let refused = false;
    try {
      result = await this.limiter.consume(name, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw serviceUnavailable("storage is unavailable (rate limit); retry later", err);
      result = err;
      refused = true;
    }
    const resetSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
    res.set({
      "RateLimit-Limit": String(this.points),
      "RateLimit-Remaining": String(Math.max(0, result.remainingPoints)),
      "RateLimit-Reset": String(resetSeconds),
      "RateLimit-Policy": `${this.points};w=${this.windowSeconds}`,
    });
    if (!refused) return;
    this.metrics.requestsRefused.inc({ reason: "rate_limited" });
    res.set("Retry-After", String(resetSeconds));
    throw new VoxqueueError(
      "rate_limited",
      `this API key may submit ${this.points} jobs per ${this.windowSeconds} s (SUBMIT_RATE_LIMIT); retry after ${resetSeconds} s`,
    );
  }
}
