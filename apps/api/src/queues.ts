import { FlowProducer, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import {
  DEFAULT_LANE,
  laneQueue,
  laneQueues,
  poolJobId,
  poolOfJobId,
  poolOfVoice,
  poolQueueName,
  poolQueueNames,
  queueForVoice,
  type Lane,
  type SynthJobData,
  type SynthJobResult,
  type VoicePool,
  type WebhookJobData,
} from "@voxqueue/contracts";
import { openQueue } from "@voxqueue/runtime";
import { outageLogger, type Logger } from "@voxqueue/telemetry";

/** A BullMQ queue of synthesis jobs. */
export type SynthQueue = Queue<SynthJobData, SynthJobResult>;

/**
 * The synthesis queues the API reads and writes: per voice pool (`VOICE_POOLS`, the base
 * queue `QUEUE_NAME` of the default pool first) each priority lane's queue (`laneQueues`:
 * the pool queue itself for interactive, `<pool queue>-batch`). Job look-ups, the
 * job-event subscriber, the job list, the stats and the queue gauges cover each of them.
 * The one place that lists them.
 */
export function apiQueueNames(baseQueue: string, pools: readonly VoicePool[]): string[] {
  return poolQueueNames(baseQueue, pools).flatMap(laneQueues);
}

/** How {@link QueuePool} opens its queues. */
export interface QueuePoolOptions {
  /** The `VOICE_POOLS` setting. @defaultValue none: every voice on the base queue */
  pools?: readonly VoicePool[];
  /** `QUEUE_EVENTS_MAX_LEN` of the queues it opens. @defaultValue the base queue's cap, else 10000 */
  eventsMaxLen?: number;
  /** Where a queue's connection errors are logged (once per outage). */
  logger?: Logger;
}

/**
 * The BullMQ queues the API writes to and reads from, one `Queue` per name: the base
 * queue is given, every other one is opened with `openQueue` on first use, on the same
 * Redis connection, key prefix and event-stream cap, and closed by {@link close}, which
 * leaves the base queue and the connection to their owner.
 */
export class QueuePool {
  private readonly queues = new Map<string, SynthQueue>();
  private readonly opened: SynthQueue[] = [];
  private readonly pools: readonly VoicePool[];
  private readonly eventsMaxLen: number;
  private webhookQueue: Queue<WebhookJobData> | undefined;
  private flowProducer: FlowProducer | undefined;
  /** Logs a queue's connection error once per outage (every queue repeats it on each reconnect attempt). */
  private readonly warnOnce: ((err: Error, msg: string) => void) | undefined;

  constructor(
    private readonly base: SynthQueue,
    private readonly connection: Redis,
    opts: QueuePoolOptions = {},
  ) {
    this.queues.set(base.name, base);
    this.pools = opts.pools ?? [];
    this.eventsMaxLen = opts.eventsMaxLen ?? base.opts.streams?.events?.maxLen ?? 10_000;
    this.warnOnce = opts.logger ? outageLogger(opts.logger, connection) : undefined;
  }

  /** The queue called `name`, opened on first use. */
  get(name: string): SynthQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = openQueue<SynthJobData, SynthJobResult>(name, {
        connection: this.connection,
        prefix: this.base.opts.prefix,
        eventsMaxLen: this.eventsMaxLen,
        onError: (err) => this.warnOnce?.(err, `queue ${name}: error`),
      });
      this.queues.set(name, queue);
      this.opened.push(queue);
    }
    return queue;
  }

  /** Every queue of {@link apiQueueNames}, the base queue first. */
  all(): SynthQueue[] {
    return apiQueueNames(this.base.name, this.pools).map((name) => this.get(name));
  }

  /** The queue voice `voiceId`'s jobs of `lane` go to (its pool's, `queueForVoice`, in that lane: `laneQueue`). */
  forVoice(voiceId: string, lane: Lane = DEFAULT_LANE): SynthQueue {
    return this.get(laneQueue(queueForVoice(voiceId, this.base.name, this.pools), lane));
  }

  /** A new job id for a job of voice `voiceId`: a UUID, prefixed with the voice's pool outside the default pool (`poolJobId`). */
  newJobId(voiceId: string, uuid: string): string {
    return poolJobId(poolOfVoice(voiceId, this.pools), uuid);
  }

  /**
   * The pool queue (its interactive lane's) of job `id`, read from the id (`<pool>.<uuid>`,
   * a plain UUID in the default pool; {@link lanesOfJob} for the lane); null when `id` cannot be one of ours or names a pool `VOICE_POOLS`
   * does not list (no queue is opened for it).
   */
  forJob(id: string): SynthQueue | null {
    const pool = poolOfJobId(id);
    if (pool === null) return null;
    const name = poolQueueName(this.base.name, pool);
    return apiQueueNames(this.base.name, this.pools).includes(name) ? this.get(name) : null;
  }

  /**
   * The queues job `id` may be in: each lane's queue of the pool its id names (the id
   * does not name the lane), interactive first; null as {@link forJob}.
   */
  lanesOfJob(id: string): SynthQueue[] | null {
    const queue = this.forJob(id);
    return queue ? laneQueues(queue.name).map((name) => this.get(name)) : null;
  }

  /** The webhook delivery queue `name` (job views read deliveries from it), opened on first use. */
  webhooks(name: string): Queue<WebhookJobData> {
    if (this.webhookQueue?.name !== name) {
      void this.webhookQueue?.close();
      this.webhookQueue = openQueue<WebhookJobData>(name, {
        connection: this.connection,
        prefix: this.base.opts.prefix,
        eventsMaxLen: this.eventsMaxLen,
        onError: (err) => this.warnOnce?.(err, `queue ${name}: error`),
      });
    }
    return this.webhookQueue;
  }

  /** The flow producer that adds jobs with a webhook (synthesis job + delivery), opened on first use. */
  flow(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.connection, prefix: this.base.opts.prefix });
      this.flowProducer.on("error", (err) => this.warnOnce?.(err, "flow producer: error"));
    }
    return this.flowProducer;
  }

  /** Closes the queues this pool opened (not the base queue). */
  async close(): Promise<void> {
    await Promise.all([...this.opened.map((q) => q.close()), this.webhookQueue?.close(), this.flowProducer?.close()]);
    for (const q of this.opened) this.queues.delete(q.name);
    this.opened.length = 0;
    this.webhookQueue = undefined;
    this.flowProducer = undefined;
  }
}
