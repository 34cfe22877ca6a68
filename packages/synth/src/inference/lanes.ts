import type { Lane } from "@voxqueue/contracts";

/** One request waiting for an inference thread. */
export interface LaneWaiter<T> {
  /**
   * Its lane, read at every pick: a batch of sentences (dynamic batching) is interactive
   * as soon as one of its sentences is, even one that joined while it waited.
   */
  lane: () => Lane;
  /** Called with the thread once it is picked. */
  grant: (thread: T) => void;
  /** Called instead when the scheduler is closed. */
  fail: (err: Error) => void;
}

/**
 * Who gets the next free inference thread (priority lanes). Interactive requests go
 * first; but once `batchShareEvery` − 1 interactive requests in a row were picked while a
 * batch request waited, the next pick is the oldest batch request. So batch gets at least
 * 1 pick in `batchShareEvery` while both lanes wait (it never starves), and an interactive
 * request waits for at most one batch request before it. Within a lane, oldest first.
 * No I/O: the pool hands its free threads to {@link pick}.
 */
export class LaneScheduler<T> {
  private readonly waiters: LaneWaiter<T>[] = [];
  /** Interactive picks in a row made while a batch request waited. */
  private interactiveStreak = 0;

  /** @param batchShareEvery N of "1 in N" (`BATCH_SHARE_EVERY`), ≥ 2. @throws RangeError below 2 */
  constructor(readonly batchShareEvery: number) {
    if (!Number.isInteger(batchShareEvery) || batchShareEvery < 2) throw new RangeError(`batch share every ${batchShareEvery}: must be an integer ≥ 2`);
  }

  /** Requests waiting. */
  get size(): number {
    return this.waiters.length;
  }

  /** Queues a request; it is granted a thread by a later {@link pick}. */
  push(waiter: LaneWaiter<T>): void {
    this.waiters.push(waiter);
  }

  /**
   * Gives `thread` to the request the rule picks, removed from the queue.
   * @returns false when nobody waits (the thread stays free)
   */
  pick(thread: T): boolean {
    let interactive = -1;
    let batch = -1;
    for (let i = 0; i < this.waiters.length && (interactive < 0 || batch < 0); i++) {
      if (this.waiters[i]!.lane() === "batch") {
        if (batch < 0) batch = i;
      } else if (interactive < 0) interactive = i;
    }
    let chosen: number;
    if (interactive < 0) chosen = batch;
    else if (batch < 0) chosen = interactive;
    else chosen = this.interactiveStreak >= this.batchShareEvery - 1 ? batch : interactive;
    if (chosen < 0) return false;
    // The streak counts interactive picks that passed a waiting batch request.
    this.interactiveStreak = chosen === interactive && batch >= 0 ? this.interactiveStreak + 1 : 0;
    const [waiter] = this.waiters.splice(chosen, 1);
    waiter!.grant(thread);
    return true;
  }

  /** Fails every waiting request with `err` (the pool is closing). */
  close(err: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.fail(err);
    this.interactiveStreak = 0;
  }
}
