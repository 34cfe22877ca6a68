import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { duplicateRedis } from "@voxqueue/runtime";
import type { Logger } from "@voxqueue/telemetry";
import type { SynthQueue } from "./queues.js";

/** A state change of one job, as BullMQ's queue events report it. */
export type JobEventName = "waiting" | "active" | "delayed" | "completed" | "failed" | "stalled";

const EVENTS: readonly JobEventName[] = ["waiting", "active", "delayed", "completed", "failed", "stalled"];

/** Called with each event of the job it was subscribed for; "closing" once when the hub closes. */
export type JobEventListener = (event: JobEventName | "closing") => void;

/**
 * One subscriber to the queues' BullMQ event streams per API process (one QueueEvents
 * per queue, never one per client), fanning events out to the requests waiting on a job: `?wait=` long polls
 * and `/events` streams subscribe by job id and unsubscribe when they end.
 *
 * No event between start and a subscription is lost: the stream is read from the last
 * id it held when the hub started (not from "now", which BullMQ's QueueEvents takes
 * only once its blocking read begins), and callers subscribe before they read the
 * job's state. While Redis is away, events wait in the stream (capped at
 * QUEUE_EVENTS_MAX_LEN) and arrive once QueueEvents reconnects.
 */
export class JobEventHub {
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private readonly events: QueueEvents[] = [];
  /** The events' own connections, one per queue (BullMQ leaves a connection it was given open). */
  private readonly connections: Redis[] = [];
  private readonly queues: readonly SynthQueue[];
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(
    /** The queues whose jobs it follows (job ids are unique across them): one, or every queue the API reads (`QueuePool.all`). */
    queues: SynthQueue | readonly SynthQueue[],
    /** Connection whose options the hub's own (blocking) connection copies. */
    private readonly redis: Redis,
    private readonly logger?: Logger,
  ) {
    this.queues = Array.isArray(queues) ? queues : [queues as SynthQueue];
  }

  /** Connects on first use; resolves once events after this moment will be delivered. */
  ready(): Promise<void> {
    return (this.starting ??= this.start().catch((err: unknown) => {
      this.starting = null; // the next request tries again
      throw err;
    }));
  }

  private async start(): Promise<void> {
    try {
      await Promise.all(this.queues.map((queue) => this.listen(queue)));
    } catch (err) {
      // Nothing half-started is kept: the next request starts every queue's reader afresh.
      await this.closeEvents().catch(() => undefined);
      throw err;
    }
    if (this.closed) await this.closeEvents();
  }

  /** Reads `queue`'s event stream from its last id now on. */
  private async listen(queue: SynthQueue): Promise<void> {
    const [last] = await this.redis.xrevrange(queue.keys.events!, "+", "-", "COUNT", 1);
    // A blocking reader needs a connection of its own (same server, Sentinels or Cluster),
    // which retries forever, queues while reconnecting and has no command timeout.
    const connection = duplicateRedis(this.redis, { maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined });
    this.connections.push(connection);
    const events = new QueueEvents(queue.name, { connection, prefix: queue.opts.prefix, lastEventId: last?.[0] ?? "0-0" });
    events.on("error", (err) => this.logger?.warn({ err: err.message }, `job events of ${queue.name}: error`));
    for (const name of EVENTS) events.on(name, ({ jobId }: { jobId: string }) => this.emit(jobId, name));
    this.events.push(events);
    await events.waitUntilReady();
  }

  private emit(jobId: string, event: JobEventName): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener(event);
  }

  /** Calls `listener` on each event of job `jobId` until the returned function is called. */
  subscribe(jobId: string, listener: JobEventListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }

  /** Requests waiting on jobs right now (subscriptions). */
  get waiting(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Stops reading events; every subscriber gets a last "closing" call. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [, set] of this.listeners) for (const l of set) l("closing");
    this.listeners.clear();
    await this.closeEvents();
  }

  private async closeEvents(): Promise<void> {
    const events = this.events.splice(0);
    const connections = this.connections.splice(0);
    await Promise.all(events.map((e) => e.close()));
    for (const connection of connections) connection.disconnect();
  }
}
