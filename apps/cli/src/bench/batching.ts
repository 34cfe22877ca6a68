import { InferencePool, prepareText, type VoiceFiles } from "@voxqueue/synth";
import { interleave, LoadSampler, spread, type Spread } from "./stats.js";

/** Batch sizes the `batching` measure compares (1: batching off). */
export const BATCH_SIZES = [1, 2, 4, 8] as const;

/** One batch size's row of the `batching` section. */
export interface BatchingRow {
  batch_max_size: number;
  /** Seconds of audio per wall second over the corpus, median [min-max] over rounds. */
  audio_s_per_s: Spread;
  /** audio_s_per_s / that of batch size 1 in the same round. */
  ratio_to_unbatched: Spread;
  /** Sentences per batched session.run (1 when off). */
  mean_batch: number;
}

/** The `batching` section of the report. */
export interface BatchingResult {
  voice: string;
  sentences: number;
  threads: number;
  intra_op_threads: number;
  rows: BatchingRow[];
  /** 1-minute load average while it ran. */
  load_average: { min: number; max: number };
}

/**
 * Dynamic batching's effect on throughput, in process (no Redis): every sentence of
 * `texts` submitted at once as a one-sentence request (as concurrent jobs' sentences
 * reach the pool), on one inference thread of `intraOpThreads` onnxruntime threads, with
 * BATCH_MAX_SIZE 1, 2, 4, 8 (BATCH_MAX_WAIT_MS 5) in interleaved rounds. Noise as the
 * voice's config says.
 */
export async function measureBatching(
  voice: VoiceFiles,
  texts: readonly string[],
  opts: { rounds: number; intraOpThreads: number; log?: (line: string) => void },
): Promise<BatchingResult> {
  const load = new LoadSampler();
  const sentences = texts.flatMap((t) => prepareText(t, voice.config).sentences);
  const { noise_scale, length_scale, noise_w } = voice.config.inference;
  const scales = { noise_scale, length_scale, noise_w };
  const pools = new Map<number, InferencePool>();
  try {
    for (const size of BATCH_SIZES) {
      const { pool } = await InferencePool.start({
        voices: [voice],
        threads: 1,
        executionProviders: ["cpu"],
        intraOpNumThreads: opts.intraOpThreads,
        batchMaxSize: size,
        batchMaxWaitMs: 5,
      });
      pools.set(size, pool);
    }
    const pass = async (pool: InferencePool) => {
      const t0 = performance.now();
      const results = await Promise.all(sentences.map((ids) => pool.run({ voiceId: voice.id, sentences: [ids], scales, speakerId: null, timeoutMs: 600_000 })));
      const samples = results.reduce((n, r) => n + r.chunks[0]!.length, 0);
      return samples / voice.config.audio.sample_rate / ((performance.now() - t0) / 1000);
    };
    for (const pool of pools.values()) await pass(pool); // warm-up
    const measures = Object.fromEntries(BATCH_SIZES.map((size) => [String(size), () => pass(pools.get(size)!)])) as Record<string, () => Promise<number>>;
    const before = new Map([...pools].map(([size, pool]) => [size, { ...pool.batchRuns }]));
    const values = await interleave(opts.rounds, measures, (r) => opts.log?.(`batching: round ${r + 1}/${opts.rounds}`));
    const base = values["1"]!;
    const rows = BATCH_SIZES.map((size): BatchingRow => {
      const v = values[String(size)]!;
      const runs = pools.get(size)!.batchRuns;
      const was = before.get(size)!;
      return {
        batch_max_size: size,
        audio_s_per_s: spread(v),
        ratio_to_unbatched: spread(v.map((x, i) => x / base[i]!)),
        mean_batch: size === 1 ? 1 : (runs.sentences - was.sentences) / Math.max(1, runs.runs - was.runs),
      };
    });
    return { voice: voice.id, sentences: sentences.length, threads: 1, intra_op_threads: opts.intraOpThreads, rows, load_average: load.stop() };
  } finally {
    load.stop();
    for (const pool of pools.values()) await pool.close();
  }
}
