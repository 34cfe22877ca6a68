import { Worker, type ResourceLimits } from "node:worker_threads";
import type { ExecutionProvider, ProviderFailure, Scales } from "../onnx-session.js";
import type { VoiceFiles } from "../voice.js";
import type { FromThread, InitMessage, LoadedMessage, ReadyMessage, RunMessage, ThreadVoice, VoiceLoadFailure, ToThread } from "./protocol.js";
import { VoiceGenerations, type VoiceGeneration, type VoiceHold } from "./voice-generations.js";
import { SentenceBatcher, type SealedBatch } from "./batching.js";
import { LaneScheduler } from "./lanes.js";
import { DEFAULT_LANE, type Lane } from "@voxqueue/contracts";

export type { VoiceLoadFailure, VoiceHold };

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
  /** Execution providers to try in order, e.g. `["cuda", "cpu"]` (see VoiceSession.load). */
  executionProviders: readonly ExecutionProvider[];
  /** onnxruntime intra-op threads per inference thread (0 = onnxruntime's choice). */
  intraOpNumThreads: number;
  /** onnxruntime's CPU memory arena per session (see `VoiceSessionOptions.cpuMemArena`). @defaultValue true */
  cpuMemArena?: boolean;
  /**
   * Arena shrinkage: after a request that left the process's RSS above this multiple of
   * the thread's RSS once warmed up, the thread releases the voice's session (and the
   * CPU arena holding the run's peak) and loads it again before its next request.
   * 0 = never. @defaultValue 0
   */
  arenaReloadRssRatio?: number;
  /**
   * Old-generation heap limit of each thread, MiB (worker_threads `resourceLimits`);
   * a thread past it is stopped and its request fails with {@link InferenceOutOfMemoryError}.
   * onnxruntime's native buffers are outside this limit. 0 = Node's default.
   * @defaultValue 0
   */
  maxHeapMb?: number;
  /**
   * Dynamic batching: one-sentence requests of concurrent syntheses on the same voice
   * session and scales run up to this many in one `session.run` (`batching.ts`), on voices
   * whose graph gives per-item output lengths; others run one by one. 1 = off.
   * @defaultValue 1
   */
  batchMaxSize?: number;
  /** How long a batch's first sentence waits for others, ms. @defaultValue 5 */
  batchMaxWaitMs?: number;
  /**
   * Priority lanes: while requests of both lanes wait for a thread, interactive ones go
   * first but every Nth pick is a batch one (`lanes.ts`), ≥ 2. @defaultValue 4
   */
  batchShareEvery?: number;
}

/** What {@link InferencePool.start} returns. */
export interface PoolStart {
  pool: InferencePool;
  /** Load + warm-up seconds per loaded voice (first thread). */
  loadSeconds: Record<string, number>;
  /** The execution provider each loaded voice runs on. */
  executionProviders: Record<string, ExecutionProvider>;
  /** Providers that failed to initialise (skipped in favour of the next), one entry each. */
  providerFailures: ProviderFailure[];
  failed: VoiceLoadFailure[];
  /** Per loaded voice: whether its graph can run batches (has per-item output lengths). */
  batching: Record<string, boolean>;
}

/** One {@link InferencePool.run} request. */
export interface InferenceRequest {
  voiceId: string;
  sentences: number[][];
  scales: Scales;
  speakerId: number | null;
  /**
   * The generation of the voice to run on ({@link InferencePool.hold}); none: the voice's
   * current one.
   */
  hold?: VoiceHold;
  /** Time limit, ms; past it the request fails with {@link InferenceTimeoutError}. */
  timeoutMs: number;
  /** Its priority lane when it waits for a thread. @defaultValue "interactive" */
  lane?: Lane;
  /**
   * Called with each sentence as soon as the thread has synthesized it, in order, before
   * `run` resolves (streaming). An exception it throws fails the request, and the thread
   * stops at its next sentence. With it, the result's `chunks` stay empty (the pool keeps
   * no copy of the audio).
   */
  onSentence?: (sentence: SentencePcm) => void;
}

/** One synthesized sentence: its index in the request, int16 PCM, inference seconds. */
export interface SentencePcm {
  index: number;
  pcm: Int16Array;
  inferenceSeconds: number;
  /** Frames of each phoneme id (the model's `durations` output), when it has one. */
  durations?: Float32Array;
}

/** What {@link InferencePool.run} returns: int16 PCM and inference seconds, per sentence. */
export interface InferenceResult {
  chunks: Int16Array[];
  inferenceSeconds: number[];
  /** Frames of each phoneme id per sentence, where the model outputs them (not kept for streaming callers). */
  durations: (Float32Array | undefined)[];
}

const THREAD_URL = new URL("./thread.ts", import.meta.url).href;
// worker_threads cannot load .ts files by themselves: register tsx in the thread first.
const BOOTSTRAP = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL)}); })`;

interface Pending {
  requestId: number;
  /** Sentences received so far. */
  result: InferenceResult;
  onSentence?: (sentence: SentencePcm) => void;
  resolve: (result: InferenceResult) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** The request this thread is running, if any. */
  pending: Pending | null;
  /** Shared with the thread, read before each sentence: the id of a request to give up. */
  cancel: Int32Array;
  /** A request given up on (timed out, pool closing) that the thread has not acknowledged yet. */
  abandoned: number | null;
  /** Retires the slot if the thread does not acknowledge in time. */
  retireTimer?: NodeJS.Timeout;
  /** Called once the thread has acknowledged its abandoned request. */
  onSettled?: () => void;
  /** Voice loads ({@link InferencePool.addVoice}) the thread has not answered yet; null: the thread is gone. */
  loads: Map<number, (msg: LoadedMessage | null) => void>;
}

/** What {@link InferencePool.addVoice} returns once every thread has loaded the voice. */
export interface AddedVoice {
  executionProvider: ExecutionProvider;
  /** Load + warm-up seconds (the slowest thread). */
  loadSeconds: number;
  providerFailures: ProviderFailure[];
  /** True when it replaced a loaded voice of the same id (released once its last synthesis ends). */
  replaced: boolean;
  /** Its graph can run batches (has per-item output lengths). */
  batching: boolean;
}

/**
 * How long a thread may take to give up an abandoned request (it stops between
 * sentences) before a fresh thread takes its place, ms.
 */
const RETIRE_AFTER_MS = 30_000;

/**
 * A fixed set of inference threads, each holding one onnxruntime session per voice.
 * Requests queue for the next free thread by lane ({@link LaneScheduler}: interactive
 * first, batch every `batchShareEvery`th pick while both wait), oldest first in a lane.
 * A freed thread is handed straight to the picked request, so a newcomer never takes it
 * ahead of the queue.
 *
 * Native `session.run` cannot be interrupted, and terminating a thread inside it
 * aborts the whole process (onnxruntime-node throws into a dying environment). So a
 * request that times out fails at once, and its thread is told (through shared
 * memory) to stop before its next sentence; it serves again once it has. A thread
 * that does not stop within {@link RETIRE_AFTER_MS} (one stuck sentence) is replaced
 * by a fresh one and terminated when it finally returns. Threads are only ever
 * terminated while idle.
 */
export class InferencePool {
  private readonly slots: Slot[] = [];
  /** Replaced threads still finishing a sentence; terminated when they do. */
  private readonly retired = new Set<Slot>();
  /** Requests waiting for a thread; set in {@link start}. */
  private waiting = new LaneScheduler<Slot>(4);
  private nextId = 1;
  private nextLoadId = 1;
  private closed = false;
  /** Which session of each voice new work gets; retired ones are unloaded once unheld. */
  private readonly generations = new VoiceGenerations((g) => this.unload(g));
  private arenaReloadCount = 0;
  /** Session keys whose graph can run a batch (as the first thread reported). */
  private readonly batchable = new Set<string>();
  /** Set when batching is on (`batchMaxSize` > 1). */
  private batcher: SentenceBatcher | null = null;

  /** Dynamic batching so far: batched `session.run`s and the sentences they held. */
  readonly batchRuns = { runs: 0, sentences: 0 };

  /** Sessions reloaded so far to give back a grown CPU arena (`arenaReloadRssRatio`). */
  get arenaReloads(): number {
    return this.arenaReloadCount;
  }

  private constructor(
    private readonly init: Omit<InitMessage, "cancel" | "voices">,
    private readonly resourceLimits: ResourceLimits,
  ) {}

  /**
   * Starts `threads` threads and waits until each has loaded and warmed up every voice
   * it can. A voice whose model fails to load (or warm up) in any thread is returned in
   * `failed` with onnxruntime's message; the pool serves the others (requests for a
   * failed voice are rejected), so callers must leave it out of what they offer.
   * @returns the pool, the load seconds and execution provider per loaded voice (of the
   *   first thread), the providers that failed to initialise, the voices that failed
   * @throws InferenceError when no voice loads, naming each file and why; or when a thread cannot start
   */
  static async start(opts: InferencePoolOptions): Promise<PoolStart> {
    const init = {
      kind: "init" as const,
      executionProviders: [...opts.executionProviders],
      intraOpNumThreads: opts.intraOpNumThreads,
      cpuMemArena: opts.cpuMemArena ?? true,
      arenaReloadRssRatio: opts.arenaReloadRssRatio ?? 0,
    };
    const pool = new InferencePool(init, opts.maxHeapMb ? { maxOldGenerationSizeMb: opts.maxHeapMb } : {});
    pool.waiting = new LaneScheduler<Slot>(opts.batchShareEvery ?? 4);
    if ((opts.batchMaxSize ?? 1) > 1) {
      pool.batcher = new SentenceBatcher({
        maxSize: opts.batchMaxSize!,
        maxWaitMs: opts.batchMaxWaitMs ?? 5,
        run: (voiceKey, lane, seal) => pool.runBatch(voiceKey, lane, seal),
        timeoutError: (ms) => new InferenceTimeoutError(`synthesis took longer than ${ms} ms`),
        closedError: () => new InferenceError("inference pool is closed", "PoolClosed"),
      });
    }
    for (const v of opts.voices) pool.generations.activate(pool.generations.create(v).key);
    let ready: ReadyMessage[];
    try {
      ready = await Promise.all(Array.from({ length: opts.threads }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    // Every thread has loaded its sessions now: that is the memory a run is compared with.
    const rss = process.memoryUsage.rss();
    for (const slot of pool.slots) slot.worker.postMessage({ kind: "baseline", rss } satisfies ToThread);
    // Threads load the same files, so they normally fail the same voices; one that
    // failed anywhere is left out everywhere (a request may land on any thread).
    const failed = new Map<string, VoiceLoadFailure>();
    for (const r of ready) for (const f of r.failed) if (!failed.has(f.id)) failed.set(f.id, f);
    for (const id of failed.keys()) pool.generations.remove(id);
    const loadSeconds = Object.fromEntries(Object.entries(ready[0]?.loadSeconds ?? {}).filter(([id]) => !failed.has(id)));
    if (opts.voices.length > 0 && failed.size === opts.voices.length) {
      await pool.close();
      const reasons = [...failed.values()].map((f) => `${f.onnxPath}: ${f.message}`).join("; ");
      throw new InferenceError(`no voice could be loaded: ${reasons}`, "NoVoiceLoaded");
    }
    const executionProviders = Object.fromEntries(Object.entries(ready[0]?.executionProviders ?? {}).filter(([id]) => !failed.has(id)));
    const providerFailures = new Map<ExecutionProvider, ProviderFailure>();
    for (const r of ready) for (const f of r.providerFailures) if (!providerFailures.has(f.provider)) providerFailures.set(f.provider, f);
    for (const key of ready[0]?.batchable ?? []) pool.batchable.add(key);
    const batching = Object.fromEntries(pool.generations.ids().map((id) => [id, pool.batchable.has(pool.generations.currentKey(id)!)]));
    return { pool, loadSeconds, executionProviders, providerFailures: [...providerFailures.values()], failed: [...failed.values()], batching };
  }

  /** Number of threads. */
  get size(): number {
    return this.slots.length;
  }

  // One listener per event for the thread's whole life: messages are routed to the
  // slot's pending request by id.
  private spawn(): Promise<ReadyMessage> {
    const worker = new Worker(BOOTSTRAP, { eval: true, resourceLimits: this.resourceLimits });
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const slot: Slot = { worker, busy: true, pending: null, cancel, abandoned: null, loads: new Map() };
    this.slots.push(slot);
    return new Promise<ReadyMessage>((resolveReady, rejectReady) => {
      let loaded = false;
      const fail = (err: Error) => {
        for (const answer of slot.loads.values()) answer(null);
        slot.loads.clear();
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
        // The thread is gone: nothing is left to acknowledge.
        if (slot.abandoned !== null) this.settle(slot, false);
        this.replace(slot);
      };
      worker.on("message", (msg: FromThread) => {
        if (msg.kind === "loaded") {
          slot.loads.get(msg.loadId)?.(msg);
          slot.loads.delete(msg.loadId);
        } else if (msg.kind === "ready") {
          loaded = true;
          slot.busy = false;
          this.release();
          resolveReady(msg);
        } else if (msg.kind === "failed" && msg.requestId === null) {
          fail(new InferenceError(msg.message, msg.errorName));
        } else if (slot.abandoned !== null && msg.requestId === slot.abandoned) {
          // Sentences of an abandoned request are dropped; its end (done, cancelled, failed) frees the thread.
          if (msg.kind !== "sentence") this.settle(slot, true);
        } else if (slot.pending && msg.requestId === slot.pending.requestId && msg.kind === "sentence") {
          const pending = slot.pending;
          // A streaming caller gets each sentence once; the pool keeps no copy of the job's audio.
          if (!pending.onSentence) {
            pending.result.chunks.push(msg.pcm);
            pending.result.durations.push(msg.durations);
          }
          pending.result.inferenceSeconds.push(msg.inferenceSeconds);
          try {
            pending.onSentence?.({
              index: msg.index,
              pcm: msg.pcm,
              inferenceSeconds: msg.inferenceSeconds,
              ...(msg.durations ? { durations: msg.durations } : {}),
            });
          } catch (err) {
            // The caller gave up on the request: the thread finishes it, unread.
            slot.pending = null;
            this.abandon(slot, pending.requestId);
            pending.reject(err instanceof Error ? err : new Error(String(err)));
          }
        } else if (slot.pending && msg.requestId === slot.pending.requestId) {
          const pending = slot.pending;
          slot.pending = null;
          if (msg.kind === "done") {
            if (msg.arenaReloaded) this.arenaReloadCount++;
            pending.resolve(pending.result);
          } else if (msg.kind === "failed") pending.reject(new InferenceError(msg.message, msg.errorName));
          else pending.reject(new InferenceError("request cancelled", "Cancelled"));
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
      worker.postMessage({ ...this.init, voices: this.threadVoices(), cancel } satisfies InitMessage);
    });
  }

  /** Replaces a thread that died (crash, out of memory) with a fresh one. */
  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already replaced (an error event is followed by exit)
    this.slots.splice(i, 1);
    slot.worker.removeAllListeners("exit");
    void slot.worker.terminate();
    if (!this.closed) void this.spawn().catch(() => undefined);
  }

  /** Tells the thread of `slot` to give up request `requestId` before its next sentence. */
  private abandon(slot: Slot, requestId: number): void {
    slot.abandoned = requestId;
    Atomics.store(slot.cancel, 0, requestId);
    slot.retireTimer = setTimeout(() => this.retire(slot), RETIRE_AFTER_MS);
    slot.retireTimer.unref();
  }

  /** A thread stuck in one sentence: a fresh thread takes its place; it is terminated once it returns. */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.retired.add(slot);
    if (!this.closed) void this.spawn().catch(() => undefined);
  }

  /** The thread of `slot` has stopped working on its abandoned request (or is gone). */
  private settle(slot: Slot, alive: boolean): void {
    clearTimeout(slot.retireTimer);
    slot.abandoned = null;
    slot.onSettled?.();
    slot.onSettled = undefined;
    if (this.retired.delete(slot)) {
      slot.worker.removeAllListeners("exit");
      if (alive) void slot.worker.terminate(); // idle now: safe
    } else if (alive && !this.closed) {
      slot.busy = false;
      this.release();
    }
  }

  /** Hands free threads to waiting requests, as the lane scheduler picks them. */
  private release(): void {
    for (;;) {
      const free = this.slots.find((s) => !s.busy);
      if (!free) return;
      free.busy = true;
      if (!this.waiting.pick(free)) {
        free.busy = false;
        return;
      }
    }
  }

  /**
   * The next thread for a request of `lane` (read at each pick), marked busy.
   * @throws InferenceError `PoolClosed`
   */
  private acquire(lane: () => Lane): Promise<Slot> {
    if (this.closed) return Promise.reject(new InferenceError("inference pool is closed", "PoolClosed"));
    return new Promise<Slot>((grant, fail) => {
      // Always through the queue: a free thread exists only while nobody waits.
      this.waiting.push({ lane, grant, fail });
      this.release();
    });
  }

  /**
   * Synthesizes every sentence of one request on the next free thread.
   * @throws InferenceTimeoutError past `timeoutMs`; InferenceError when onnxruntime fails
   */
  async run(req: InferenceRequest): Promise<InferenceResult> {
    const voiceKey = req.hold?.key ?? this.generations.currentKey(req.voiceId) ?? req.voiceId;
    const lane = req.lane ?? DEFAULT_LANE;
    if (this.batcher && req.sentences.length === 1 && this.batchable.has(voiceKey)) {
      const { speakerId, scales, timeoutMs, onSentence } = req;
      return this.batcher.add(voiceKey, { ids: req.sentences[0]!, speakerId, scales, timeoutMs, lane, ...(onSentence ? { onSentence } : {}) });
    }
    const slot = await this.acquire(() => lane);
    const msg: RunMessage = { kind: "run", requestId: this.nextId++, voiceKey, sentences: req.sentences, scales: req.scales, speakerId: req.speakerId };
    return this.send(slot, msg, req.timeoutMs, req.onSentence);
  }

  /** Dynamic batching: runs a batch on the next free thread (waiting in the lane `lane` says), with what `seal` says it holds then. */
  private async runBatch(voiceKey: string, lane: () => Lane, seal: () => SealedBatch | null): Promise<InferenceResult> {
    const slot = await this.acquire(lane);
    const batch = seal();
    if (!batch) {
      slot.busy = false;
      this.release();
      return { chunks: [], inferenceSeconds: [], durations: [] };
    }
    this.batchRuns.runs++;
    this.batchRuns.sentences += batch.sentences.length;
    const msg: RunMessage = {
      kind: "run",
      requestId: this.nextId++,
      voiceKey,
      sentences: batch.sentences.map((s) => s.ids),
      scales: batch.scales,
      speakerId: null,
      batch: { speakerIds: batch.sentences.map((s) => s.speakerId) },
    };
    return this.send(slot, msg, batch.timeoutMs);
  }

  /**
   * Runs `msg` on the acquired thread of `slot`, frees it when done.
   * @throws InferenceTimeoutError past `timeoutMs`; InferenceError when onnxruntime fails
   */
  private async send(slot: Slot, msg: RunMessage, timeoutMs: number, onSentence?: (sentence: SentencePcm) => void): Promise<InferenceResult> {
    const { requestId } = msg;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      return await new Promise<InferenceResult>((resolve, reject) => {
        slot.pending = { requestId, result: { chunks: [], inferenceSeconds: [], durations: [] }, onSentence, resolve, reject };
        timer = setTimeout(() => {
          timedOut = true;
          slot.pending = null;
          this.abandon(slot, requestId);
          reject(new InferenceTimeoutError(`synthesis took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        slot.worker.postMessage(msg);
      });
    } finally {
      clearTimeout(timer);
      // A thread whose request was abandoned (timed out, caller gave up) is freed when it acknowledges (settle).
      if (!timedOut && slot.abandoned !== requestId && this.slots.includes(slot)) {
        slot.busy = false;
        this.release();
      }
    }
  }

  /** Every voice session a thread must hold: what a new thread loads. */
  private threadVoices(): ThreadVoice[] {
    return this.generations.loaded().map((g) => ({ id: g.id, key: g.key, onnxPath: g.voice.onnxPath, config: g.voice.config }));
  }

  /**
   * Every loaded session set, oldest first: voice id, session key, syntheses holding it,
   * and whether it was replaced or removed (released once `holds` is 0). Hot reload's state.
   */
  sessions(): { id: string; key: string; holds: number; retired: boolean }[] {
    return this.generations.loaded().map(({ id, key, holds, retired }) => ({ id, key, holds, retired }));
  }

  /** Ids of the voices new work can run on, in load order. */
  voiceIds(): string[] {
    return this.generations.ids();
  }

  /**
   * Claims the voice's sessions for one synthesis (hot reload): every sentence run with
   * the returned hold uses the same model, even if the voice is replaced or removed
   * meanwhile; a replaced model is released once its last hold is. `voice` is matched
   * by identity first (the `VoiceFiles` its generation was loaded from), else by id.
   * @throws InferenceError `VoiceNotLoaded` when the voice is not loaded
   */
  hold(voice: VoiceFiles): VoiceHold {
    try {
      return this.generations.hold(voice);
    } catch (err) {
      throw new InferenceError((err as Error).message, "VoiceNotLoaded");
    }
  }

  /**
   * Hot reload: loads `voice` (new, or new files for a loaded id) in every thread, warmed
   * up, and makes it what new work gets. Synthesis already holding the old model keeps it
   * until it ends. When any thread cannot load it, nothing changes: the loaded ones are
   * released and the old voice, if any, keeps serving.
   * @throws InferenceError `VoiceLoadFailed` with onnxruntime's message
   */
  async addVoice(voice: VoiceFiles): Promise<AddedVoice> {
    if (this.closed) throw new InferenceError("inference pool is closed", "PoolClosed");
    const generation = this.generations.create(voice);
    const loadId = this.nextLoadId++;
    const msg: ToThread = { kind: "load", loadId, voice: this.threadVoices().find((v) => v.key === generation.key)! };
    const answers = await Promise.all(
      // Not the retired threads: they only finish a sentence before they are terminated.
      this.slots.map(
        (slot) =>
          new Promise<LoadedMessage | null>((resolve) => {
            slot.loads.set(loadId, resolve);
            slot.worker.postMessage(msg);
          }),
      ),
    );
    const failure = answers.find((a): a is Extract<LoadedMessage, { ok: false }> => a !== null && !a.ok);
    const loaded = answers.filter((a): a is Extract<LoadedMessage, { ok: true }> => a !== null && a.ok);
    if (failure || loaded.length === 0) {
      this.generations.discard(generation.key);
      this.unload(generation);
      throw new InferenceError(`${voice.onnxPath}: ${failure?.message ?? "no inference thread answered"}`, "VoiceLoadFailed");
    }
    const replaced = this.generations.currentKey(voice.id) !== undefined;
    const batching = loaded.every((a) => a.batchable);
    if (batching) this.batchable.add(generation.key);
    this.generations.activate(generation.key);
    const providerFailures = new Map<ExecutionProvider, ProviderFailure>();
    for (const a of loaded) for (const f of a.providerFailures) if (!providerFailures.has(f.provider)) providerFailures.set(f.provider, f);
    return {
      executionProvider: loaded[0]!.executionProvider,
      loadSeconds: Math.max(...loaded.map((a) => a.loadSeconds)),
      providerFailures: [...providerFailures.values()],
      replaced,
      batching,
    };
  }

  /**
   * Hot reload: new work can no longer get voice `id`; its sessions are released once the
   * last synthesis holding them ends. False when it was not loaded.
   */
  removeVoice(id: string): boolean {
    return this.generations.remove(id);
  }

  /** Releases a generation's sessions in every thread (a thread runs messages in order: after its runs on it). */
  private unload(generation: VoiceGeneration): void {
    this.batchable.delete(generation.key);
    const msg: ToThread = { kind: "unload", key: generation.key };
    for (const slot of [...this.slots, ...this.retired]) slot.worker.postMessage(msg);
  }

  /**
   * Fails pending and later requests, lets each thread stop at its next sentence
   * boundary (at most `stopWaitMs`), then terminates every thread.
   */
  async close(stopWaitMs = RETIRE_AFTER_MS): Promise<void> {
    this.closed = true;
    this.batcher?.close();
    this.waiting.close(new InferenceError("inference pool is closed", "PoolClosed"));
    const slots = [...this.slots.splice(0), ...this.retired];
    this.retired.clear();
    await Promise.all(
      slots.map(async (s) => {
        const pending = s.pending;
        if (pending) {
          s.pending = null;
          pending.reject(new InferenceError("inference pool closed", "PoolClosed"));
          this.abandon(s, pending.requestId);
        }
        if (s.abandoned !== null) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            s.onSettled = resolve;
            timer = setTimeout(resolve, stopWaitMs);
          });
          clearTimeout(timer);
        }
        clearTimeout(s.retireTimer);
        s.worker.removeAllListeners("exit");
        await s.worker.terminate();
      }),
    );
  }
}
