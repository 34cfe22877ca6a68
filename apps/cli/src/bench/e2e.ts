import { Job, Queue, Worker } from "bullmq";
import type { BenchStack } from "./bench-stack.js";
import type { EngineSet } from "./engines.js";
import { interleave, percentiles, ratioSpread, spread, type Percentiles, type Spread } from "./stats.js";

/** Throughput of one job shape through the service, and its ratio to the limit. */
export interface ShapeRow {
  jobs: number;
  audio_s: number;
  audio_s_per_s: Spread;
  /** Round by round: this over the limit measured in the same round. */
  ratio_to_limit: Spread;
}

/** One stack configuration measured end to end (measures 2 and 7). */
export interface E2eRow {
  workers: number;
  worker_concurrency: number;
  /** INFERENCE_THREADS; 0 = the worker's default (max(cores, concurrency)). */
  inference_threads: number;
  /** ORT_INTRA_OP_THREADS; 0 = the worker's default (cores / inference threads). */
  ort_intra_op_threads: number;
  /** One job per corpus sentence, all submitted at once. */
  sentences: ShapeRow;
  /** The whole corpus as one job. */
  paragraph: ShapeRow;
  /** The limit's audio seconds per wall second in these rounds. */
  limit_audio_s_per_s: Spread;
}

/**
 * Measure (2) for one stack: per round, the limit (bare sessions, whole corpus), the
 * corpus as one job per sentence submitted at once, and the corpus as one job,
 * interleaved; ratios are taken round by round.
 */
export async function measureShapes(
  stack: BenchStack,
  limit: EngineSet,
  corpus: { sentences: readonly string[]; paragraph: string; order: readonly number[] },
  body: Record<string, unknown>,
  rounds: number,
  log: (line: string) => void,
): Promise<Omit<E2eRow, "workers" | "worker_concurrency" | "inference_threads" | "ort_intra_op_threads">> {
  let sentenceAudio = 0;
  let paragraphAudio = 0;
  const values = await interleave(
    rounds,
    {
      limit: async () => (await limit.run(corpus.order)).audioPerSecond,
      sentences: async () => {
        const r = await stack.batch(corpus.sentences, body);
        sentenceAudio = r.audioSeconds;
        return r.audioPerSecond;
      },
      paragraph: async () => {
        const r = await stack.batch([corpus.paragraph], body);
        paragraphAudio = r.audioSeconds;
        return r.audioPerSecond;
      },
    },
    (r) => log(`end to end: round ${r + 1}/${rounds}`),
  );
  return {
    sentences: {
      jobs: corpus.sentences.length,
      audio_s: sentenceAudio,
      audio_s_per_s: spread(values.sentences),
      ratio_to_limit: ratioSpread(values.sentences, values.limit),
    },
    paragraph: { jobs: 1, audio_s: paragraphAudio, audio_s_per_s: spread(values.paragraph), ratio_to_limit: ratioSpread(values.paragraph, values.limit) },
    limit_audio_s_per_s: spread(values.limit),
  };
}

/** Measure (3) and the service half of (4): one one-sentence job at a time. */
export interface OverheadResult {
  jobs: number;
  /** Bare `session.run` of the same sentence (1 session × cores threads, as the default worker), ms. */
  bare_run_ms: Percentiles;
  /** Submit → completion seen through BullMQ's queue events (in the bench process), ms. */
  client_ms: Percentiles;
  /** Submit → completed answered to an HTTP client by `?wait=` (long poll), ms. */
  long_poll_ms: Percentiles;
  /** Pairwise client − bare (the job before each run of the bare session), ms. */
  overhead_ms: Percentiles;
  /** overhead / bare run. */
  overhead_share: Percentiles;
  /** created → started (BullMQ's `timestamp` → `processedOn`, ms clocks). */
  queue_rtt_ms: Percentiles;
}

/**
 * Alternates a bare run of the sentence with one job of it through the service, `n`
 * times, and pairs them: what the job cost beyond `session.run`.
 */
export async function measureOverhead(
  stack: BenchStack,
  bare: EngineSet,
  sentenceIndex: number,
  text: string,
  body: Record<string, unknown>,
  n: number,
): Promise<OverheadResult> {
  const queue = new Queue(stack.queueName, { connection: stack.redis });
  const bareMs: number[] = [];
  const clientMs: number[] = [];
  const pollMs: number[] = [];
  const rttMs: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      bareMs.push((await bare.run([sentenceIndex])).wallSeconds * 1000);
      const t0 = performance.now();
      const id = await stack.submit({ ...body, text });
      const done = await stack.finished(id);
      clientMs.push(done.seenAt - t0);
      const job = await Job.fromId(queue, id);
      if (job?.processedOn) rttMs.push(job.processedOn - job.timestamp);
      pollMs.push((await stack.submitAndWait({ ...body, text })).ms);
    }
  } finally {
    await queue.close();
  }
  const overhead = clientMs.map((c, i) => c - bareMs[i]!);
  return {
    jobs: n,
    bare_run_ms: percentiles(bareMs),
    client_ms: percentiles(clientMs),
    long_poll_ms: percentiles(pollMs),
    overhead_ms: percentiles(overhead),
    overhead_share: percentiles(overhead.map((o, i) => o / bareMs[i]!)),
    queue_rtt_ms: percentiles(rttMs),
  };
}

/** The audio cache at the API: a repeated one-sentence request against a new one. */
export interface CacheResult {
  jobs: number;
  /** Submit → completed seen by the client (`?wait=`) for a repeat answered from the cache, ms. */
  hit_ms: Percentiles;
  /** Submit → its answer (`202 {status: "completed"}`) for a repeat: the hit at the API, ms. */
  hit_submit_ms: Percentiles;
  /** The same repeat through `POST /v1/audio/speech` (`wav`): request → whole audio read, ms. */
  speech_hit_ms: Percentiles;
  /** The same for a text not seen before (synthesized), ms. */
  miss_ms: Percentiles;
  /** hit p50 / miss p50. */
  hit_over_miss: number;
}

/**
 * Measures hits against misses, alternating: each round submits a new text (a miss,
 * which fills the cache) and then the same text again (a hit). Needs a stack with the
 * cache on.
 */
export async function measureCache(stack: BenchStack, texts: readonly string[], body: { voice: string }, n: number): Promise<CacheResult> {
  const hit: number[] = [];
  const hitSubmit: number[] = [];
  const miss: number[] = [];
  const speechHit: number[] = [];
  const speech = async (input: string) => {
    const t0 = performance.now();
    const res = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tts-1", voice: body.voice, input, response_format: "wav" }),
    });
    if (res.status !== 200) throw new Error(`speech answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    return { ms: performance.now() - t0, id: res.headers.get("x-voxqueue-job-id") };
  };
  // Texts of this run only: the cache outlives a run (its keys are the same for every queue).
  const run = stack.queueName;
  for (let i = 0; i < n; i++) {
    const text = `${texts[i % texts.length]} (${run} ${i})`;
    const first = await stack.submitAndWait({ ...body, text });
    const again = await stack.submitAndWait({ ...body, text });
    if (first.cached || !again.cached)
      throw new Error(`cache: expected a miss then a hit, got ${first.cached ? "hit" : "miss"} then ${again.cached ? "hit" : "miss"}`);
    miss.push(first.ms);
    hit.push(again.ms);
    hitSubmit.push(again.submitMs);
    // The OpenAI endpoint's first request fills its entry (a miss); the second is timed.
    await speech(text);
    speechHit.push((await speech(text)).ms);
  }
  const h = percentiles(hit);
  const m = percentiles(miss);
  return { jobs: n, hit_ms: h, hit_submit_ms: percentiles(hitSubmit), speech_hit_ms: percentiles(speechHit), miss_ms: m, hit_over_miss: h.p50 / m.p50 };
}

/**
 * The other half of (4): a bare BullMQ `Queue.add` → `Worker` loop on the same Redis,
 * one job at a time, created → started measured the same way (`processedOn − timestamp`).
 */
export async function measureBareQueue(redisUrl: string, queueName: string, n: number): Promise<Percentiles> {
  const connection = { url: redisUrl };
  const queue = new Queue(queueName, { connection });
  const rtt: number[] = [];
  let wake: (() => void) | null = null;
  const worker = new Worker(
    queueName,
    async (job) => {
      rtt.push((job.processedOn ?? Date.now()) - job.timestamp);
      wake?.();
    },
    { connection },
  );
  try {
    await worker.waitUntilReady();
    for (let i = 0; i < n; i++) {
      const seen = new Promise<void>((r) => (wake = r));
      await queue.add("bare", { i }, { removeOnComplete: true });
      await seen;
    }
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
  return percentiles(rtt);
}
