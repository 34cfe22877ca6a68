import { FlowProducer, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { SynthJobData, SynthJobResult, WebhookJobData } from "@voxqueue/contracts";
import { outageLogger, type Logger } from "@voxqueue/telemetry";

/** A BullMQ queue of synthesis jobs. */
export type SynthQueue = Queue<SynthJobData, SynthJobResult>;

/**
 * The BullMQ queues the API writes to, one `Queue` per name (`queueForVoice` may
 * send voices to different queues). The base queue is given; others are opened on
 * first use on the same Redis connection, key prefix and event-stream cap, and closed by {@link close}, which
 * leaves the base queue and the connection to their owner.
 */
export class QueuePool {
  private readonly queues = new Map<string, SynthQueue>();
  private readonly opened: SynthQueue[] = [];
  private webhookQueue: Queue<WebhookJobData> | undefined;
  private flowProducer: FlowProducer | undefined;
  /** Logs a queue's connection error once per outage (every queue repeats it on each reconnect attempt). */
  private readonly warnOnce: ((err: Error, msg: string) => void) | undefined;

  constructor(
    private readonly base: SynthQueue,
    private readonly connection: Redis,
    logger?: Logger,
  ) {
    this.queues.set(base.name, base);
    this.warnOnce = logger ? outageLogger(logger, connection) : undefined;
  }

  /** The queue called `name`, opened on first use. */
  get(name: string): SynthQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<SynthJobData, SynthJobResult>(name, { connection: this.connection, prefix: this.base.opts.prefix, streams: this.base.opts.streams });
      queue.on("error", (err) => this.warnOnce?.(err, `queue ${name}: error`));
      this.queues.set(name, queue);
      this.opened.push(queue);
    }
    return queue;
  }

  /** The webhook delivery queue `name` (job views read deliveries from it), opened on first use. */
  webhooks(name: string): Queue<WebhookJobData> {
    if (this.webhookQueue?.name !== name) {
      void this.webhookQueue?.close();
      this.webhookQueue = new Queue<WebhookJobData>(name, { connection: this.connection, prefix: this.base.opts.prefix, streams: this.base.opts.streams });
      this.webhookQueue.on("error", (err) => this.warnOnce?.(err, `queue ${name}: error`));
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
    this.opened.length = 0;
    this.webhookQueue = undefined;
    this.flowProducer = undefined;
  }
}
