import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TimeLimitError, settleWithin, settlesWithin } from "../src/settle.js";

/** A promise that never settles (a Redis that does not answer). */
const hang = () => new Promise<never>(() => undefined);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("settleWithin", () => {
  it("gives the promise's value when it settles first, and leaves no timer behind", async () => {
    await expect(settleWithin(Promise.resolve(42), 1_000, "read")).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives the promise's own rejection when it rejects first", async () => {
    const err = new Error("ECONNREFUSED");
    await expect(settleWithin(Promise.reject(err), 1_000, "read")).rejects.toBe(err);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with a TimeLimitError naming the step and the limit once the limit passes", async () => {
    const outcome = settleWithin(hang(), 250, "queue counts").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(249);
    let done = false;
    void outcome.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(TimeLimitError);
    expect(err).toMatchObject({ name: "TimeLimitError", what: "queue counts", limitMs: 250, message: "queue counts: no answer within 250 ms" });
  });

  it("names who did not answer when told", async () => {
    const outcome = settleWithin(hang(), 2_000, "enqueue job", "Redis").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await outcome).toMatchObject({ message: "enqueue job: no answer from Redis within 2000 ms", from: "Redis" });
  });

  it("handles a rejection that comes after the limit (no unhandled rejection)", async () => {
    let reject!: (err: Error) => void;
    const late = new Promise<never>((_, r) => (reject = r));
    const outcome = settleWithin(late, 10, "read").catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    expect(await outcome).toBeInstanceOf(TimeLimitError);
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    reject(new Error("too late"));
    await vi.advanceTimersByTimeAsync(0);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe("settlesWithin", () => {
  it("is true for a promise that fulfils or rejects in time", async () => {
    await expect(settlesWithin(Promise.resolve("ok"), 100)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error("failed drain")), 100)).resolves.toBe(true);
  });

  it("is false for one that is still pending at the limit", async () => {
    const outcome = settlesWithin(hang(), 5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(outcome).resolves.toBe(false);
  });
});
