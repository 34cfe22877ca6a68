/** Backoff settings of deliveries (`WEBHOOK_BACKOFF_MS`, `WEBHOOK_BACKOFF_MAX_MS`). */
export interface BackoffPolicy {
  /** Nominal delay before the first retry, ms; doubles for each further retry. */
  baseMs: number;
  /** Longest delay, ms (also caps a receiver's `Retry-After`). */
  maxMs: number;
}

/**
 * Delay before the retry that follows failed attempt number `attempt` (1-based):
 * exponential (`baseMs · 2^(attempt−1)`, at most `maxMs`) with "equal jitter" (half
 * fixed, half random), so receivers coming back from an outage are not hit by every
 * delivery at the same instant, while no retry comes sooner than half its nominal delay.
 * @param random a source of [0, 1), for tests
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/**
 * A `Retry-After` header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as ms from
 * `nowMs`; undefined when absent or unreadable. A date in the past reads as 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** What an HTTP answer means for a delivery. */
export type AnswerVerdict = "delivered" | "retry" | "give_up";

/**
 * 2xx is delivered; 408, 429 and 5xx are retried (the receiver is busy or broken for
 * now); every other status (3xx: redirects are not followed; other 4xx: the receiver
 * refuses this event) ends the delivery without retries.
 */
export function judgeAnswer(status: number): AnswerVerdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return "retry";
  return "give_up";
}
