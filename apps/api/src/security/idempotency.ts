import { createHash } from "node:crypto";
import type { Request } from "express";
import type { Redis } from "ioredis";
import { VoxqueueError, idempotencyKey, type JobAccepted } from "@voxqueue/contracts";
import { redisStep } from "../errors.js";

/** The request header (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** 1–255 printable ASCII characters (a UUID is typical); anything else is a 400 naming the header. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/** What a remembered key stands for. */
interface Claim {
  /** The job the first request created (or is creating). */
  id: string;
  /** SHA-256 of the first request's canonical body. */
  fingerprint: string;
  /** The status the first request answered, once it answered. */
  status?: JobAccepted["status"];
}

/** The outcome of {@link Idempotency.claim}. */
export type ClaimResult = { first: true; id: string } | { first: false; id: string; status: JobAccepted["status"] };

/** SHA-256 of `value` as JSON with object keys sorted, so key order and spacing do not matter. */
export function fingerprintOf(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical(value)))
    .digest("hex");
}

/**
 * `Idempotency-Key` on submits. The first request with a key claims it atomically
 * (Redis `SET NX EX`, so across replicas exactly one request is first) for the job id it
 * will create; a later one with the same key and the same body gets that job id back; one
 * with another body is refused (409). Keys are scoped per API key and remembered for
 * `ttlSeconds` from the first request.
 */
export class Idempotency {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * The request's key, or null without the header.
   * @throws VoxqueueError `invalid_input` naming `Idempotency-Key` when it is empty, too long or not printable ASCII
   */
  static keyOf(req: Request): string | null {
    const value = req.headers["idempotency-key"];
    if (value === undefined) return null;
    if (typeof value !== "string" || !VALID_KEY.test(value)) {
      throw new VoxqueueError("invalid_input", `${IDEMPOTENCY_HEADER} must be 1-255 printable ASCII characters (a UUID, say)`, IDEMPOTENCY_HEADER);
    }
    return value;
  }

  /**
   * Claims `key` of `owner` for job `id`, or finds the job an earlier request claimed it for.
   * @throws VoxqueueError `idempotency_conflict` (409) when the key was used with another body
   */
  async claim(owner: string, key: string, fingerprint: string, id: string): Promise<ClaimResult> {
    const redisKey = this.redisKey(owner, key);
    const claim: Claim = { id, fingerprint };
    const set = await redisStep("claim idempotency key", () => this.redis.set(redisKey, JSON.stringify(claim), "EX", this.ttlSeconds, "NX"));
    if (set === "OK") return { first: true, id };
    const stored = await redisStep("read idempotency key", () => this.redis.get(redisKey));
    // Expired between the two commands: claim it again (once; a second miss is a real race lost to nobody).
    if (stored === null) return this.claim(owner, key, fingerprint, id);
    const earlier = JSON.parse(stored) as Claim;
    if (earlier.fingerprint !== fingerprint) {
      throw new VoxqueueError(
        "idempotency_conflict",
        `this ${IDEMPOTENCY_HEADER} was used with a different request body; use a new key for a new request`,
        IDEMPOTENCY_HEADER,
      );
    }
    return { first: false, id: earlier.id, status: earlier.status ?? "queued" };
  }

  /** Records the status the first request answered, so retries answer the same (keeps the TTL). */
  async answered(owner: string, key: string, claim: { id: string; fingerprint: string }, status: JobAccepted["status"]): Promise<void> {
    const value: Claim = { ...claim, status };
    await redisStep("record idempotent answer", () => this.redis.set(this.redisKey(owner, key), JSON.stringify(value), "KEEPTTL", "XX"));
  }

  private redisKey(owner: string, key: string): string {
    return idempotencyKey(owner, createHash("sha256").update(key).digest("hex"));
  }
}
