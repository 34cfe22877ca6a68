import type { Scales } from "../onnx-session.js";
import type { InferenceResult, SentencePcm } from "./pool.js";
import type { Lane } from "@voxqueue/contracts";

/** One batch as it goes to a thread: sentences of one voice session and one set of scales. */
export interface SealedBatch {
  voiceKey: string;
  scales: Scales;
  sentences: { ids: number[]; speakerId: number | null }[];
  /** The latest deadline among its sentences, ms from now. */
  timeoutMs: number;
}

/** Options of {@link SentenceBatcher}. */
export interface SentenceBatcherOptions {
  /** Sentences per `session.run` at most (`BATCH_MAX_SIZE`), ≥ 2. */
  maxSize: number;
  /** How long the first sentence of a batch waits for others before the batch goes, ms (`BATCH_MAX_WAIT_MS`). */
  maxWaitMs: number;
  /**
   * Runs a batch on the next free thread, waiting for it in the lane `lane` gives (read
   * while it waits: interactive once any sentence still wanted is). `seal` is called once
   * that thread is free and returns what the batch holds then (the sentences still
   * wanted), or null when none is: the thread is freed without a run. Resolves with one
   * sentence per sealed sentence, in order.
   */
  run: (voiceKey: string, lane: () => Lane, seal: () => SealedBatch | null) => Promise<InferenceResult>;
  /** The error a sentence past its time limit fails with. */
  timeoutError: (timeoutMs: number) => Error;
  /** The error sentences still waiting fail with when the batcher closes. */
  closedError: () => Error;
}

/** One sentence waiting for its batch's result. */
interface Waiting {
  ids: number[];
  speakerId: number | null;
  lane: Lane;
  /** performance.now() past which it fails. */
  deadline: number;
  timer: NodeJS.Timeout;
  settled: boolean;
  onSentence?: (sentence: SentencePcm) => void;
  resolve: (result: InferenceResult) => void;
  reject: (err: Error) => void;
}

/** Sentences of one voice session and one set of scales, filling up until a thread takes them. */
interface Group {
  key: string;
  voiceKey: string;
  scales: Scales;
  items: Waiting[];
  /** Fires the batch after `maxWaitMs`. */
  timer?: NodeJS.Timeout;
  launched: boolean;
}

/**
 * Dynamic batching (Triton's rule: a batch goes when it is full or its first sentence
 * has waited `maxWaitMs`): one-sentence requests on the same voice session (so the same
 * hot-reload generation) with the same scales — Piper's `scales` input is one vector per
 * run — are gathered into one batch. A batch that has gone but waits for a free thread
 * still takes sentences until it is full, so a busy pool runs fuller batches.
 *
 * Each sentence keeps its own time limit (it fails alone, its audio is dropped if the
 * batch ends later) and its own streaming callback (an exception there fails only that
 * sentence). Sentences of both priority lanes share a batch; a batch waits for its
 * thread as interactive while any of its sentences is. No I/O here: the pool runs the
 * sealed batch.
 */
export class SentenceBatcher {
  /** The group of each key still taking sentences. */
  private readonly open = new Map<string, Group>();
  /** Groups not yet handed to the pool (failed by {@link close}). */
  private readonly waiting = new Set<Group>();
  private closed = false;

  constructor(private readonly opts: SentenceBatcherOptions) {
    if (opts.maxSize < 2) throw new RangeError(`batch size ${opts.maxSize}: batching needs at least 2`);
  }

  /**
   * Queues one sentence for a batch.
   * @returns the pool's result shape for a one-sentence request (`chunks` empty with `onSentence`)
   * @throws (rejects) `timeoutError` past `timeoutMs`; `closedError` after {@link close}; the batch's error
   */
  add(
    voiceKey: string,
    sentence: { ids: number[]; speakerId: number | null; scales: Scales; timeoutMs: number; lane: Lane; onSentence?: (sentence: SentencePcm) => void },
  ): Promise<InferenceResult> {
    if (this.closed) return Promise.reject(this.opts.closedError());
    const { scales } = sentence;
    const key = `${voiceKey}\u0000${scales.noise_scale}\u0000${scales.length_scale}\u0000${scales.noise_w}`;
    let group = this.open.get(key);
    if (!group) {
      const fresh: Group = { key, voiceKey, scales, items: [], launched: false };
      fresh.timer = setTimeout(() => this.launch(fresh), this.opts.maxWaitMs);
      this.open.set(key, fresh);
      this.waiting.add(fresh);
      group = fresh;
    }
    const joined = group;
    return new Promise<InferenceResult>((resolve, reject) => {
      const item: Waiting = {
        ids: sentence.ids,
        speakerId: sentence.speakerId,
        lane: sentence.lane,
        deadline: performance.now() + sentence.timeoutMs,
        settled: false,
        onSentence: sentence.onSentence,
        resolve,
        reject,
        timer: setTimeout(() => this.settle(item, this.opts.timeoutError(sentence.timeoutMs)), sentence.timeoutMs),
      };
      joined.items.push(item);
      if (joined.items.length >= this.opts.maxSize) {
        this.open.delete(key);
        this.launch(joined);
      }
    });
  }

  /** Fails every sentence not yet handed to a thread; later {@link add}s fail at once. */
  close(): void {
    this.closed = true;
    for (const group of this.waiting) {
      clearTimeout(group.timer);
      for (const item of group.items) this.settle(item, this.opts.closedError());
    }
    this.waiting.clear();
    this.open.clear();
  }

  private launch(group: Group): void {
    if (group.launched) return;
    group.launched = true;
    clearTimeout(group.timer);
    this.waiting.delete(group);
    let sealed: Waiting[] = [];
    const seal = (): SealedBatch | null => {
      if (this.open.get(group.key) === group) this.open.delete(group.key);
      sealed = group.items.filter((item) => !item.settled);
      if (sealed.length === 0) return null;
      const latest = Math.max(...sealed.map((item) => item.deadline));
      return {
        voiceKey: group.voiceKey,
        scales: group.scales,
        sentences: sealed.map(({ ids, speakerId }) => ({ ids, speakerId })),
        timeoutMs: Math.max(1, latest - performance.now()),
      };
    };
    const lane = (): Lane => (group.items.some((item) => !item.settled && item.lane === "interactive") ? "interactive" : "batch");
    this.opts.run(group.voiceKey, lane, seal).then(
      (result) => sealed.forEach((item, i) => this.deliver(item, result, i)),
      (err: Error) => group.items.forEach((item) => this.settle(item, err)),
    );
  }

  /** Hands sentence `i` of a batch's result to its request. */
  private deliver(item: Waiting, result: InferenceResult, i: number): void {
    if (item.settled) return; // timed out meanwhile: its audio is dropped
    const pcm = result.chunks[i];
    const inferenceSeconds = result.inferenceSeconds[i];
    if (!pcm || inferenceSeconds === undefined) {
      this.settle(item, new Error(`internal: a batch returned ${result.chunks.length} sentences, sentence ${i} missing`));
      return;
    }
    const durations = result.durations[i];
    if (item.onSentence) {
      try {
        item.onSentence({ index: 0, pcm, inferenceSeconds, ...(durations ? { durations } : {}) });
      } catch (err) {
        this.settle(item, err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.settle(item, { chunks: [], inferenceSeconds: [inferenceSeconds], durations: [] });
      return;
    }
    this.settle(item, { chunks: [pcm], inferenceSeconds: [inferenceSeconds], durations: [durations] });
  }

  private settle(item: Waiting, outcome: InferenceResult | Error): void {
    if (item.settled) return;
    item.settled = true;
    clearTimeout(item.timer);
    if (outcome instanceof Error) item.reject(outcome);
    else item.resolve(outcome);
  }
}
