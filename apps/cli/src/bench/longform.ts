import wavefile from "wavefile";
import { parseApiEnv } from "@voxqueue/config";
import { audioKey, type JobView } from "@voxqueue/contracts";
import { WAV_HEADER_BYTES } from "@voxqueue/synth";
import { BenchStack } from "./bench-stack.js";
import { CORPUS } from "./corpus.js";
import { interleave, LoadSampler, ratioSpread, spread, type Spread } from "./stats.js";

/** Characters of the `longform` measure's text unless `--longform-chars` says otherwise (issue 10: "a book chapter"). */
export const LONGFORM_DEFAULT_CHARS = 50_000;

/** The API's defaults, which the measure's stacks run with: MAX_TEXT_CHARS, LONGFORM_CHUNK_CHARS. */
const API_DEFAULTS = parseApiEnv({});

/** Fewest characters of a long-form job: one over the API's MAX_TEXT_CHARS default. */
export const LONGFORM_MIN_CHARS = API_DEFAULTS.MAX_TEXT_CHARS + 1;

/**
 * Each worker process of the `longform` measure takes one core: one job at a time, one
 * inference thread, one onnxruntime thread (README, Configuration).
 */
const ONE_CORE_WORKER = { WORKER_CONCURRENCY: "1", INFERENCE_THREADS: "1", ORT_INTRA_OP_THREADS: "1" } as const;

/**
 * A text of at most `chars` characters made of whole corpus sentences, in order and
 * round again, one paragraph (blank line) per pass over the corpus; it stops at the last
 * sentence that fits, so it is shorter than `chars` by less than one sentence.
 * @throws RangeError below {@link LONGFORM_MIN_CHARS}: that would be no long-form job
 */
export function longformText(chars: number): string {
  if (!(chars >= LONGFORM_MIN_CHARS))
    throw new RangeError(`a long-form text needs at least ${LONGFORM_MIN_CHARS} characters (over MAX_TEXT_CHARS), got ${chars}`);
  let text = "";
  for (let i = 0; ; i++) {
    const sep = i === 0 ? "" : i % CORPUS.length === 0 ? "\n\n" : " ";
    const next = `${text}${sep}${CORPUS[i % CORPUS.length]!}`;
    if (next.length > chars) return text;
    text = next;
  }
}

/** What a WAV holds, as read back by a WAV decoder. */
export interface WavCheck {
  sample_rate: number;
  bytes: number;
  seconds: number;
}

/**
 * Reads `wav` with a WAV decoder (wavefile) and checks it against the job's result:
 * 16-bit mono PCM at `expected.sampleRate`, RIFF and data sizes that match the bytes
 * received, and a duration within one sample of `expected.seconds`.
 * @throws Error naming the first mismatch
 */
export function checkWav(wav: Uint8Array, expected: { sampleRate: number; seconds: number }): WavCheck {
  const decoded = new wavefile.WaveFile(wav);
  const fmt = decoded.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  const data = decoded.data as { chunkSize: number };
  const riffSize = decoded.chunkSize;
  const fail = (what: string) => new Error(`long-form WAV: ${what}`);
  if (decoded.container !== "RIFF" || decoded.format !== "WAVE") throw fail(`container ${decoded.container}/${decoded.format}, not RIFF/WAVE`);
  if (fmt.audioFormat !== 1 || fmt.numChannels !== 1 || fmt.bitsPerSample !== 16)
    throw fail(`format ${fmt.audioFormat}, ${fmt.numChannels} channel(s), ${fmt.bitsPerSample} bits; expected PCM 1, mono, 16`);
  if (fmt.sampleRate !== expected.sampleRate) throw fail(`sample rate ${fmt.sampleRate}, the job says ${expected.sampleRate}`);
  if (riffSize !== wav.length - 8) throw fail(`RIFF size ${riffSize} for ${wav.length} bytes received`);
  if (data.chunkSize <= 0 || data.chunkSize > wav.length - WAV_HEADER_BYTES) throw fail(`data size ${data.chunkSize} for ${wav.length} bytes received`);
  const seconds = data.chunkSize / 2 / fmt.sampleRate;
  if (Math.abs(seconds - expected.seconds) > 1 / fmt.sampleRate) throw fail(`${seconds} s of samples, the job says ${expected.seconds} s`);
  return { sample_rate: fmt.sampleRate, bytes: wav.length, seconds };
}

/** One worker count's row of the `longform` section (median [min-max] over rounds). */
export interface LongformRow {
  workers: number;
  /** Submit → the parent's completion seen through queue events, s. */
  wall_s: Spread;
  /** The stitched WAV's duration, s (noise on: it varies a little from run to run). */
  audio_s: Spread;
  audio_s_per_s: Spread;
  /** The chunk jobs' synthesis time added up (worker time, not wall time), s. */
  synthesis_s: Spread;
}

/** The `longform` section of the report (issue 10). */
export interface LongformResult {
  voice: string;
  chars: number;
  /** Chunk jobs the API made of the text, of about `chunk_chars` characters each. */
  chunks: number;
  /** LONGFORM_CHUNK_CHARS (the API's default). */
  chunk_chars: number;
  /** Every worker process's layout. */
  worker: { worker_concurrency: number; inference_threads: number; ort_intra_op_threads: number };
  rows: LongformRow[];
  /** Round by round: wall time with 1 worker / with 2. */
  speedup: Spread;
  /** The last WAV checked (every run's WAV is). */
  wav: WavCheck;
  /** 1-minute load average while it ran. */
  load_average: { min: number; max: number };
}

/** One long-form job through a stack, timed, its WAV checked and then deleted (it is large). */
interface LongformRun {
  wallSeconds: number;
  audioSeconds: number;
  synthesisSeconds: number;
  chunks: number;
  wav: WavCheck;
}

async function runLongform(stack: BenchStack, body: Record<string, unknown>): Promise<LongformRun> {
  const t0 = performance.now();
  const id = await stack.submit(body);
  const done = await stack.finished(id, 3_600_000);
  const wallSeconds = (done.seenAt - t0) / 1000;
  const view = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
  if (!view.chunks) throw new Error(`job ${id} is not a long-form job (no chunks in its view)`);
  const res = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`);
  if (res.status !== 200) throw new Error(`GET /v1/jobs/${id}/audio answered ${res.status}`);
  const wav = checkWav(new Uint8Array(await res.arrayBuffer()), { sampleRate: done.result.sample_rate, seconds: done.result.audio_duration_s });
  // Over 100 MB each at 50,000 characters: no need to keep them for AUDIO_TTL_SECONDS.
  await stack.redis.del(audioKey(id));
  return { wallSeconds, audioSeconds: done.result.audio_duration_s, synthesisSeconds: done.result.synthesis_s, chunks: view.chunks.total, wav };
}

/**
 * Issue 10: one long-form job of `chars` characters of corpus prose through a stack with
 * one worker process and through one with two (each worker one job, one inference
 * thread, one onnxruntime thread: one core), in interleaved rounds with both stacks up;
 * wall time from submit to the completion seen, audio s/s, and the speedup of two
 * workers round by round. Every WAV is fetched and checked with a decoder.
 */
export async function measureLongform(opts: {
  redisUrl: string;
  voicesDir: string;
  voice: string;
  chars: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<LongformResult> {
  const text = longformText(opts.chars);
  const body = { voice: opts.voice, text };
  // The API's defaults whatever this shell sets, but long enough for the text.
  const env = {
    ...ONE_CORE_WORKER,
    MAX_TEXT_CHARS: String(API_DEFAULTS.MAX_TEXT_CHARS),
    LONGFORM_CHUNK_CHARS: String(API_DEFAULTS.LONGFORM_CHUNK_CHARS),
    MAX_LONGFORM_CHARS: String(Math.max(API_DEFAULTS.MAX_LONGFORM_CHARS, text.length)),
    // The stack's 15 minutes are shorter than one worker may take over the whole text on a
    // loaded machine: the first chunks' audio would expire before the stitch (storage_error).
    AUDIO_TTL_SECONDS: "86400",
  };
  const stacks = new Map<1 | 2, BenchStack>();
  const runs = new Map<1 | 2, LongformRun[]>([
    [1, []],
    [2, []],
  ]);
  const load = new LoadSampler();
  try {
    for (const workers of [1, 2] as const) {
      opts.log(
        `longform: a stack with ${workers} worker process(es), each ${Object.entries(ONE_CORE_WORKER)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
      );
      const stack = new BenchStack({ redisUrl: opts.redisUrl, voicesDir: opts.voicesDir, workers, env, log: opts.log });
      stacks.set(workers, stack);
      await stack.start();
    }
    const measure = (workers: 1 | 2) => async () => {
      const run = await runLongform(stacks.get(workers)!, body);
      runs.get(workers)!.push(run);
      opts.log(`longform: ${workers} worker(s): ${run.chunks} chunks, ${run.audioSeconds.toFixed(0)} s of audio in ${run.wallSeconds.toFixed(1)} s`);
      return run.wallSeconds;
    };
    const walls = await interleave(opts.rounds, { "1": measure(1), "2": measure(2) }, (r) =>
      opts.log(`longform: ${text.length} characters, round ${r + 1}/${opts.rounds}`),
    );
    const row = (workers: 1 | 2): LongformRow => {
      const r = runs.get(workers)!;
      return {
        workers,
        wall_s: spread(r.map((x) => x.wallSeconds)),
        audio_s: spread(r.map((x) => x.audioSeconds)),
        audio_s_per_s: spread(r.map((x) => x.audioSeconds / x.wallSeconds)),
        synthesis_s: spread(r.map((x) => x.synthesisSeconds)),
      };
    };
    const last = runs.get(2)!.at(-1)!;
    return {
      voice: opts.voice,
      chars: text.length,
      chunks: last.chunks,
      chunk_chars: API_DEFAULTS.LONGFORM_CHUNK_CHARS,
      worker: { worker_concurrency: 1, inference_threads: 1, ort_intra_op_threads: 1 },
      rows: [row(1), row(2)],
      speedup: ratioSpread(walls["1"], walls["2"]),
      wav: last.wav,
      load_average: load.stop(),
    };
  } finally {
    load.stop();
    for (const stack of stacks.values()) await stack.stop();
  }
}
