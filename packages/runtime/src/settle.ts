/**
 * The answer {@link settleWithin} gives when a promise has not settled in time. `what`
 * names the step (`enqueue job`, `queue counts`), `limitMs` the limit it had.
 */
export class TimeLimitError extends Error {
  override readonly name = "TimeLimitError";
  constructor(
    readonly what: string,
    readonly limitMs: number,
    /** Who did not answer (`Redis`); named in the message when given. */
    readonly from?: string,
  ) {
    super(`${what}: no answer${from ? ` from ${from}` : ""} within ${limitMs} ms`);
  }
}

/**
 * `promise`'s own outcome when it settles within `limitMs`, else a rejection with a
 * {@link TimeLimitError} at `limitMs`. The promise is not cancelled (nothing can cancel
 * it): callers time out only work that is safe to leave running. Its later rejection,
 * if any, is handled here (never an unhandled rejection); the timer is cleared as soon as
 * either side settles, so a quick answer keeps no timer alive.
 */
export function settleWithin<T>(promise: PromiseLike<T>, limitMs: number, what: string, from?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(what, limitMs, from)), limitMs);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * True when `promise` settles, fulfilled or rejected, within `limitMs`; false past it
 * ({@link settleWithin} without the outcome: for a drain that may fail but must end).
 */
export async function settlesWithin(promise: PromiseLike<unknown>, limitMs: number): Promise<boolean> {
  const settled = Promise.resolve(promise).then(
    () => undefined,
    () => undefined,
  );
  return settleWithin(settled, limitMs, "settle").then(
    () => true,
    () => false,
  );
}
