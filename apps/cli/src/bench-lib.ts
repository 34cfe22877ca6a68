import { availableParallelism, cpus, totalmem } from "node:os";
import { InferencePool, realTimeFactor, synthesize, type VoiceFiles } from "@voxqueue/synth";

/**
 * The benchmark texts: one sentence, a paragraph (~300 characters) and a long text
 * (~3000 characters, a dozen chunks). Plain English prose, so espeak-ng and the
 * sentence chunker see what real requests look like.
 */
export const BENCH_TEXTS = {
  sentence: "The delivery van turned left at the old stone bridge.",
  paragraph:
    "Every morning the harbour wakes before the town does. Fishing boats slide out past the breakwater, gulls argue over the last of the catch, and the ferry sounds its horn twice to say it is leaving on time. By eight o'clock the cafés have opened their shutters, and the first visitors are counting coins for coffee.",
  long: [
    "Every morning the harbour wakes before the town does. Fishing boats slide out past the breakwater, gulls argue over the last of the catch, and the ferry sounds its horn twice to say it is leaving on time.",
    "By eight o'clock the cafés have opened their shutters. The baker on the corner sells out of rye bread first, then of the small sweet rolls that children carry to school in paper bags.",
    "The lighthouse keeper, who retired twelve years ago, still walks up the hill every evening to watch the lamp come on. He says the timing has drifted by four seconds since the new controller was fitted, and nobody has been able to prove him wrong.",
    "In spring the council repaints the railings along the promenade. They argued for a whole winter about the colour, and in the end chose the same pale green they had used for forty years.",
    "On market days the square fills with stalls selling cheese, honey, rope, second-hand books and tools whose purpose no one under sixty can name. Prices are written in chalk and change with the weather.",
    "A small museum above the post office keeps the town's history: a ship's bell, three maps that disagree about the coastline, and a letter from a sailor who promised to come home by Christmas in a year that is not recorded.",
    "When storms come in from the west, the waves climb the sea wall and throw stones onto the road. The next morning, volunteers in yellow coats sweep them back into the water, one shovel at a time.",
    "The school choir practises on Thursday afternoons in the church hall. Their director insists that every song be learned by ear before anyone is allowed to see the printed music.",
    "Late in the summer the evenings grow long and gold. Families eat outside, radios play old songs, and the smell of grilled fish drifts along the streets until well after dark.",
    "Autumn brings the regatta. Boats of every size race around the island, and the winner receives a silver cup that has been dented, repaired and polished so many times it no longer stands up straight.",
    "Winter is quiet. The ferry runs twice a day instead of six times, the cafés close early, and the harbour belongs again to the fishing boats and the gulls, as it always has.",
    "The harbour master keeps a logbook that goes back to the first steam ships. Each entry gives the wind, the tide, the name of every vessel that came in, and, now and then, a short remark about the weather that reads more like a poem than a report.",
    "On the first Sunday of every month the brass band plays on the pier. They have eleven members, two of whom are over eighty, and they know exactly four marches, which they play in a different order each time so that nobody gets bored.",
    "Children learn to swim in the shallow bay behind the church, where the water stays calm even when the open sea is rough. Their grandparents learned in the same place, from the same family of instructors.",
    "Visitors who stay for a whole year say the town teaches patience. Nothing here happens quickly, they explain, but everything happens eventually, and usually in the right order.",
    "Before leaving, most of them climb the hill to the lighthouse once more, look out over the water, and promise to come back. Many of them do.",
  ].join(" "),
} as const;

export type BenchTextName = keyof typeof BENCH_TEXTS;

/** The seed document's real-time bar: RTF below 1 keeps up with playback. */
export const RTF_TARGET = 1;

/** Median, minimum and maximum of a set of runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the middle two for an even count), min and max. @throws on an empty list */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError("spread of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** One timed synthesis, as the worker measures it (`synthesis_s` = text preparation + inference). */
export interface RunTiming {
  /** Normalise, chunk, espeak-ng phonemize, phoneme ids (the worker's main thread). */
  phonemizeSeconds: number;
  /** All sentences through onnxruntime on the inference thread (includes the thread hop). */
  inferenceSeconds: number;
  synthesisSeconds: number;
  /** Audio length with the sentence silence the worker inserts. */
  audioSeconds: number;
  sentences: number;
}

/** Results of one voice on one text. */
export interface BenchResult {
  voice: string;
  quality: string | null;
  text: BenchTextName;
  chars: number;
  sentences: number;
  runs: number;
  audio_s: Spread;
  synthesis_s: Spread;
  phonemize_s: Spread;
  inference_s: Spread;
  rtf: Spread;
  /** Highest resident set size sampled while this voice ran (whole process, bytes). */
  peak_rss_bytes: number;
  /** Median RTF below {@link RTF_TARGET}. */
  meets_rtf_target: boolean;
}

/** Throughput through Redis, API and one worker (`--e2e`). */
export interface E2eResult {
  voice: string;
  text: BenchTextName;
  jobs: number;
  concurrency: number;
  wall_s: number;
  jobs_per_min: number;
  audio_s_per_s: number;
  /** Mean of the jobs' own RTF (synthesis_s / audio_duration_s). */
  mean_job_rtf: number;
  /** Submit → result seen by the client, seconds. */
  latency_s: Spread;
}

/** The JSON written to `bench-report.json`. */
export interface BenchReport {
  generated_at: string;
  host: { cpus: number; cpu_model: string; total_memory_bytes: number; node: string; platform: string };
  config: { runs: number; warmup_runs: number; inference_threads: number; intra_op_threads: number; execution_provider: "cpu"; sentence_silence_s: number };
  /** Targets are reported, never asserted by tests: timings depend on the machine. */
  targets: { rtf: number; note: string };
  voices: { id: string; quality: string | null; load_s: number }[];
  results: BenchResult[];
  e2e: E2eResult | null;
  /** Peak resident set size of the whole benchmark process, bytes. */
  max_rss_bytes: number;
}

/** Options of {@link benchVoice}. */
export interface BenchVoiceOptions {
  texts: readonly BenchTextName[];
  /** Timed runs per text (a warm-up run precedes them, not counted). */
  runs: number;
  /** onnxruntime intra-op threads (a worker with concurrency 1 uses every core). */
  intraOpThreads: number;
  sentenceSilenceSeconds: number;
  /** Called before each run (warm-up is run 0). */
  onProgress?: (p: { voice: string; text: BenchTextName; run: number; runs: number; last?: RunTiming }) => void;
}

/** Samples the process RSS every 25 ms until stopped; returns the highest value seen. */
function rssSampler(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss());
  };
}

/** Synthesizes `text` once through the worker's pipeline (`synthesize`), timed as the worker times a job. */
async function timedRun(pool: InferencePool, voice: VoiceFiles, text: string, sentenceSilenceSeconds: number): Promise<RunTiming> {
  const { noise_scale, length_scale, noise_w } = voice.config.inference;
  const synthesis = synthesize(pool, {
    text,
    voice,
    speaker: null,
    scales: { noise_scale, length_scale, noise_w },
    sentenceSilenceSeconds,
    timeoutMs: 600_000,
  });
  for await (const chunk of synthesis) void chunk;
  const s = synthesis.summary();
  return {
    phonemizeSeconds: s.prepareSeconds,
    inferenceSeconds: s.synthesisSeconds - s.prepareSeconds,
    synthesisSeconds: s.synthesisSeconds,
    audioSeconds: s.audioSeconds,
    sentences: s.sentences,
  };
}

/**
 * Loads one voice into a one-thread {@link InferencePool} (as a worker with
 * concurrency 1 does) and times every text: a warm-up run, then `runs` timed runs.
 */
export async function benchVoice(voice: VoiceFiles, opts: BenchVoiceOptions): Promise<{ loadSeconds: number; results: BenchResult[] }> {
  const stopRss = rssSampler();
  const { pool, loadSeconds } = await InferencePool.start({ voices: [voice], threads: 1, executionProviders: ["cpu"], intraOpNumThreads: opts.intraOpThreads });
  const results: BenchResult[] = [];
  try {
    for (const name of opts.texts) {
      const text = BENCH_TEXTS[name];
      const timings: RunTiming[] = [];
      for (let run = 0; run <= opts.runs; run++) {
        opts.onProgress?.({ voice: voice.id, text: name, run, runs: opts.runs, last: timings.at(-1) });
        const timing = await timedRun(pool, voice, text, opts.sentenceSilenceSeconds);
        if (run > 0) timings.push(timing);
      }
      const rtf = spread(timings.map((t) => realTimeFactor(t.synthesisSeconds, t.audioSeconds)));
      results.push({
        voice: voice.id,
        quality: voice.config.audio.quality ?? null,
        text: name,
        chars: text.length,
        sentences: timings[0]!.sentences,
        runs: timings.length,
        audio_s: spread(timings.map((t) => t.audioSeconds)),
        synthesis_s: spread(timings.map((t) => t.synthesisSeconds)),
        phonemize_s: spread(timings.map((t) => t.phonemizeSeconds)),
        inference_s: spread(timings.map((t) => t.inferenceSeconds)),
        rtf,
        peak_rss_bytes: 0,
        meets_rtf_target: rtf.median < RTF_TARGET,
      });
    }
  } finally {
    await pool.close();
  }
  const peak = stopRss();
  for (const r of results) r.peak_rss_bytes = peak;
  return { loadSeconds: loadSeconds[voice.id] ?? 0, results };
}

/** The report's `host` block. */
export function hostInfo(): BenchReport["host"] {
  return {
    cpus: availableParallelism(),
    cpu_model: cpus()[0]?.model.trim() ?? "unknown",
    total_memory_bytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const fmt = (n: number, digits: number) => n.toFixed(digits);

/** The results as an aligned text table (one row per voice and text). */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ["voice", "text", "chars", "sent.", "audio s", "synth s", "RTF median [min-max]", "phonemize ms", "peak RSS MiB"];
  const rows = results.map((r) => [
    r.voice,
    r.text,
    String(r.chars),
    String(r.sentences),
    fmt(r.audio_s.median, 2),
    fmt(r.synthesis_s.median, 3),
    `${fmt(r.rtf.median, 3)} [${fmt(r.rtf.min, 3)}-${fmt(r.rtf.max, 3)}]`,
    fmt(r.phonemize_s.median * 1000, 1),
    fmt(r.peak_rss_bytes / 2 ** 20, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
