import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** How {@link openQueue} opens a queue. */
export interface QueueOptions {
  /** The connection every queue of the process shares. */
  connection: Redis;
  /**
   * Approximate length cap of the queue's BullMQ event stream (`QUEUE_EVENTS_MAX_LEN`):
   * whoever adds events last trims it, so API and worker must give the same number.
   */
  eventsMaxLen: number;
  /** BullMQ's key prefix (`queuePrefix(config)`: `QUEUE_PREFIX`). @defaultValue BullMQ's `bull` */
  prefix?: string;
  /** Connection and script errors of the queue (without a listener BullMQ prints them to stderr). */
  onError?: (err: Error) => void;
}

/**
 * A BullMQ `Queue` as voxqueue opens them: on the shared connection, under the key
 * prefix, with the capped event stream, and its `error` events sent to `onError`.
 */
export function openQueue<Data = unknown, Result = unknown>(name: string, opts: QueueOptions): Queue<Data, Result> {
  const queue = new Queue<Data, Result>(name, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    streams: { events: { maxLen: opts.eventsMaxLen } },
  });
  if (opts.onError) queue.on("error", opts.onError);
  return queue;
}
