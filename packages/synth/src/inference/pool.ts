import { Worker, type ResourceLimits } from "node:worker_threads";
import type { ExecutionProvider, Scales } from "../onnx-session.js";
import type { VoiceFiles } from "../voice.js";
import type { DoneMessage, FromThread, InitMessage, ReadyMessage, RunMessage } from "./protocol.js";

/** Synthesis ran past its time limit; the thread running it was terminated and replaced. */
export class InferenceTimeoutError extends Error {
  override readonly name = "InferenceTimeoutError";
}

/** onnxruntime (or the thread) failed; `errorName` is the original error's name. */
export class InferenceError extends Error {
  override readonly name: string = "InferenceError";
  constructor(
    message: string,
    readonly errorName: string,
  ) {
    super(message);
  }
}

/**
 * An inference thread ran out of memory (Node's `ERR_WORKER_OUT_OF_MEMORY`: its V8 heap
 * reached `maxHeapMb`); the thread was replaced. Callers report it as `oom`.
 */
export class InferenceOutOfMemoryError extends InferenceError {
  override readonly name = "InferenceOutOfMemoryError";
}

/** Options of {@link InferencePool.start}. */
export interface InferencePoolOptions {
  voices: readonly VoiceFiles[];
  /** Threads, i.e. requests run at once (match the BullMQ worker's concurrency). */
  threads: number;
  executionProvider: ExecutionProvider;
  /** onnxruntime intra-op threads per inference thread (0 = onnxruntime's choice). */
  intraOpNumThreads: number;
  /**
   * Old-generation heap limit of each thread, MiB (worker_threads `resourceLimits`);
   * a thread past it is stopped and its request fails with {@link InferenceOutOfMemoryError}.
   * onnxruntime's native buffers are outside this limit. 0 = Node's default.
   * @defaultValue 0
   */
  maxHeapMb?: number;
}

/** One {@link InferencePool.run} request. */
export interface InferenceRequest {
  voiceId: string;
  sentences: number[][];
  scales: Scales;
  speakerId: number | null;
  /** Time limit, ms; past it the request fails with {@link InferenceTimeoutError}. */
  timeoutMs: number;
}

/** What {@link InferencePool.run} returns: int16 PCM and inference seconds, per sentence. */
export type InferenceResult = Pick<DoneMessage, "chunks" | "inferenceSeconds">;

const THREAD_URL = new URL("./thread.ts", import.meta.url).href;
// worker_threads cannot load .ts files by themselves: register tsx in the thread first.
const BOOTSTRAP = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL)}); })`;

interface Pending {
  requestId: number;
  resolve: (result: InferenceResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** The request this thread is running, if any. */
  pending: Pending | null;
}

/**
 * A fixed set of inference threads, each holding one onnxruntime session per voice.
 * Requests queue in FIFO order for the next free thread. A request that times out
 * terminates its thread (native `session.run` cannot be cancelled) and a fresh thread
 * replaces it, so one stuck sentence never blocks the pool for good.
 */
export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly init: InitMessage,
    private readonly resourceLimits: ResourceLimits,
  ) {}

  /**
   * Starts `threads` threads and waits until each has loaded and warmed up every voice.
   * @returns the pool and the load seconds per voice (of the first thread)
   * @throws InferenceError when a voice fails to load
   */
  static async start(opts: InferencePoolOptions): Promise<{ pool: InferencePool; loadSeconds: Record<string, number> }> {
    const init: InitMessage = {
      kind: "init",
      voices: opts.voices.map((v) => ({ id: v.id, onnxPath: v.onnxPath, config: v.config })),
      executionProvider: opts.executionProvider,
      intraOpNumThreads: opts.intraOpNumThreads,
    };
    const pool = new InferencePool(init, opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : {});
    try {
      const ready = await Promise.all(Array.from({ length: opts.threads }, () => pool.spawn()));
      return { pool, loadSeconds: ready[0]?.loadSeconds ?? {} };
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  /** Number of threads. */
  get size(): number {
    return this.slots.length;
  }

  // One listener per event for the thread's whole life: messages are routed to the
  // slot's pending request by id.
  private spawn(): Promise<ReadyMessage> {
    const worker = new Worker(BOOTSTRAP, { eval: true, resourceLimits: this.resourceLimits });
    const slot: Slot = { worker, busy: true, pending: null };
    this.slots.push(slot);
    return new Promise<ReadyMessage>((resolveReady, rejectReady) => {
      let loaded = false;
      const fail = (err: Error) => {
        if (!loaded) {
          const i = this.slots.indexOf(slot);
          if (i >= 0) this.slots.splice(i, 1);
          void worker.terminate();
          rejectReady(err);
          return;
        }
        const pending = slot.pending;
        slot.pending = null;
        pending?.reject(err);
        this.replace(slot);
      };
      worker.on("message", (msg: FromThread) => {
        if (msg.kind === "ready") {
          loaded = true;
          slot.busy = false;
          this.release();
          resolveReady(msg);
        } else if (msg.kind === "failed" && msg.requestId === null) {
          fail(new InferenceError(msg.message, msg.errorName));
        } else if (slot.pending && msg.requestId === slot.pending.requestId) {
          const pending = slot.pending;
          slot.pending = null;
          if (msg.kind === "done") pending.resolve({ chunks: msg.chunks, inferenceSeconds: msg.inferenceSeconds });
          else if (msg.kind === "failed") pending.reject(new InferenceError(msg.message, msg.errorName));
        }
      });
      worker.on("error", (err: NodeJS.ErrnoException) =>
        fail(
          err.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? new InferenceOutOfMemoryError(`inference thread ran out of memory: ${err.message}`, err.code)
            : new InferenceError(`inference thread crashed: ${err.message}`, err.name),
        ),
      );
      worker.on("exit", (code) => fail(new InferenceError(`inference thread exited (${code})`, "ThreadExit")));
      worker.postMessage(this.init);
    });
  }

  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already replaced (an error event is followed by exit)
    this.slots.splice(i, 1);
    slot.worker.removeAllListeners("exit");
    void slot.worker.terminate();
    if (!this.closed) void this.spawn().catch(() => undefined);
  }

  private release(): void {
    this.waiting.shift()?.();
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new InferenceError("inference pool is closed", "PoolClosed");
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /**
   * Synthesizes every sentence of one request on the next free thread.
   * @throws InferenceTimeoutError past `timeoutMs`; InferenceError when onnxruntime fails
   */
  async run(req: InferenceRequest): Promise<InferenceResult> {
    const slot = await this.acquire();
    const requestId = this.nextId++;
    const msg: RunMessage = { kind: "run", requestId, voiceId: req.voiceId, sentences: req.sentences, scales: req.scales, speakerId: req.speakerId };
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      return await new Promise<InferenceResult>((resolve, reject) => {
        slot.pending = { requestId, resolve, reject };
        timer = setTimeout(() => {
          timedOut = true;
          slot.pending = null;
          reject(new InferenceTimeoutError(`synthesis took longer than ${req.timeoutMs} ms`));
        }, req.timeoutMs);
        slot.worker.postMessage(msg);
      });
    } finally {
      clearTimeout(timer);
      if (timedOut) this.replace(slot);
      else if (this.slots.includes(slot)) {
        slot.busy = false;
        this.release();
      }
    }
  }

  /** Terminates every thread; pending and later requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve();
    await Promise.all(
      this.slots.splice(0).map((s) => {
        s.worker.removeAllListeners("exit");
        s.pending?.reject(new InferenceError("inference pool closed", "PoolClosed"));
        return s.worker.terminate();
      }),
    );
  }
}
