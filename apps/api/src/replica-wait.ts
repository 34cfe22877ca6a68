import type { Redis } from "ioredis";
import { redisStep, serviceUnavailable } from "./errors.js";

/**
 * Durability of an accepted job: after the job's write, Redis `WAIT replicas timeoutMs` on
 * the same connection (the API's one connection, which BullMQ's Queue and FlowProducer
 * share) blocks until that many replicas have acknowledged every write the connection
 * made so far, the job included. Redis replication is asynchronous: without this a
 * failover can promote a replica that never received a job already answered 202.
 * Does nothing when `replicas` is 0.
 * @throws VoxqueueError `service_unavailable` (503) when fewer replicas confirm in time; the
 *   job is on the primary and may still run, so a client retries with the same Idempotency-Key
 */
export async function confirmOnReplicas(redis: Pick<Redis, "wait">, replicas: number, timeoutMs: number): Promise<void> {
  if (replicas === 0) return;
  const confirmed = await redisStep("wait for replicas", () => redis.wait(replicas, timeoutMs), timeoutMs + 1_000);
  if (confirmed < replicas) {
    throw serviceUnavailable(
      `only ${confirmed} of ${replicas} Redis replicas confirmed the job within ${timeoutMs} ms (REDIS_WAIT_REPLICAS); it may still run: retry with the same Idempotency-Key`,
    );
  }
}
