import type { SpeechResult } from "./speech.js";
import type { BatchingResult } from "./batching.js";
import type { LongformResult } from "./longform.js";
import type { ApiLoadResult } from "./api-load.js";
import type { CacheResult, E2eRow, OverheadResult } from "./e2e.js";
import type { EngineRow } from "./limit.js";
import type { MemoryResult } from "./memory.js";
import type { Percentiles, Spread } from "./stats.js";
import type { BenchReport as PipelineReport, BenchResult } from "../bench-lib.js";

/** The JSON `pnpm bench` writes (bench-report.json). Every timing is also a ratio to a baseline of the same run. */
export interface SuiteReport {
  generated_at: string;
  host: PipelineReport["host"];
  quick: boolean;
  rounds: number;
  /** 1-minute load average over the whole run (the machine may be shared). */
  load_average: { min: number; max: number };
  wall_s: number;
  voice: string;
  corpus: { sentences: number; chars: number };
  /** (1) and (6): bare onnxruntime-node and sherpa-onnx-node over the corpus. */
  limit: { rows: EngineRow[]; limit: string; native_peer_best_ratio: Spread | null } | null;
  /** (2) with the shipped defaults, and (7) the sweep (the first row is the defaults). */
  e2e: E2eRow[];
  /** (3) and the service half of (4). */
  overhead: OverheadResult | null;
  /** (4) bare BullMQ add → process on the same Redis, created → started, ms. */
  bare_queue_rtt_ms: Percentiles | null;
  /** (5) */
  api: ApiLoadResult | null;
  /** (8) */
  memory: MemoryResult | null;
  /** The audio cache: hit against miss, as a client sees them. */
  cache: CacheResult | null;
  /** In-process pipeline (one inference thread, no Redis), as before. */
  pipeline: BenchResult[];
  /** Issue 13: time to first audio against the whole synthesis, and encoding cost per format. */
  speech: SpeechResult | null;
  /** Dynamic batching: throughput by BATCH_MAX_SIZE, in process. */
  batching: BatchingResult | null;
  /** Issue 10: one long-form job with 1 and with 2 one-core worker processes. */
  longform: LongformResult | null;
  /** The goals, read off the figures above; reported, never asserted. */
  goals: Record<string, { goal: string; value: number | null; met: boolean | null }>;
}

/** A report with nothing measured yet. */
export function emptySuite(base: Pick<SuiteReport, "host" | "quick" | "rounds" | "voice" | "corpus">): SuiteReport {
  return {
    generated_at: new Date().toISOString(),
    ...base,
    load_average: { min: 0, max: 0 },
    wall_s: 0,
    limit: null,
    e2e: [],
    overhead: null,
    bare_queue_rtt_ms: null,
    api: null,
    memory: null,
    cache: null,
    pipeline: [],
    speech: null,
    batching: null,
    longform: null,
    goals: {},
  };
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-");
const sp = (s: Spread, d = 2) => `${f(s.median, d)} [${f(s.min, d)}-${f(s.max, d)}]`;

/** Aligns rows of cells into columns (first column left, the rest right). */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

/** The printed summary of a report: one block per measure. */
export function formatSuite(r: SuiteReport): string {
  const out: string[] = [];
  out.push(
    `voxqueue bench (${r.quick ? "quick, " : ""}${r.rounds} round(s)), voice ${r.voice}, ${r.corpus.sentences} sentences; ${r.host.cpus} CPU ${r.host.cpu_model}; load average ${f(r.load_average.min, 1)}-${f(r.load_average.max, 1)}; ${f(r.wall_s, 0)} s`,
  );
  if (r.limit) {
    out.push("", "(1) inference limit and (6) native peer: audio s per wall s, median [min-max]; ratio to the limit");
    out.push(
      columns([
        ["engine", "sessions x threads", "audio s/s", "ratio"],
        ...r.limit.rows.map((x) => [x.engine, `${x.sessions} x ${x.intra_op_threads}`, sp(x.audio_s_per_s, 1), sp(x.ratio_to_limit)]),
      ]),
    );
  }
  if (r.e2e.length > 0) {
    out.push("", "(2) end to end and (7) scaling: audio s/s and ratio to the limit of the same rounds (first row: shipped defaults)");
    out.push(
      columns([
        ["workers x concurrency x inference x ORT threads", "20 jobs s/s", "ratio", "1 paragraph job s/s", "ratio", "limit s/s"],
        ...r.e2e.map((e) => [
          `${e.workers} x ${e.worker_concurrency} x ${e.inference_threads || "auto"} x ${e.ort_intra_op_threads || "auto"}`,
          sp(e.sentences.audio_s_per_s, 1),
          sp(e.sentences.ratio_to_limit),
          sp(e.paragraph.audio_s_per_s, 1),
          sp(e.paragraph.ratio_to_limit),
          sp(e.limit_audio_s_per_s, 1),
        ]),
      ]),
    );
  }
  if (r.overhead) {
    const o = r.overhead;
    out.push("", `(3) one-sentence job, ${o.jobs} jobs one at a time: p50 / p99`);
    out.push(
      columns([
        ["", "p50", "p99"],
        ["bare session.run ms", f(o.bare_run_ms.p50, 1), f(o.bare_run_ms.p99, 1)],
        ["submit -> completion (queue events) ms", f(o.client_ms.p50, 1), f(o.client_ms.p99, 1)],
        ["submit -> completed via ?wait= ms", f(o.long_poll_ms.p50, 1), f(o.long_poll_ms.p99, 1)],
        ["overhead ms", f(o.overhead_ms.p50, 1), f(o.overhead_ms.p99, 1)],
        ["overhead / synthesis", f(o.overhead_share.p50, 3), f(o.overhead_share.p99, 3)],
        ["(4) queue created -> started ms", f(o.queue_rtt_ms.p50, 1), f(o.queue_rtt_ms.p99, 1)],
        ...(r.bare_queue_rtt_ms ? [["(4) bare BullMQ add -> process ms", f(r.bare_queue_rtt_ms.p50, 1), f(r.bare_queue_rtt_ms.p99, 1)]] : []),
      ]),
    );
  }
  if (r.api) {
    const a = r.api;
    out.push("", `(5) POST /v1/jobs, ${a.connections} connections, ${a.duration_s} s x ${a.rounds} round(s), queue paused (growing)`);
    out.push(
      columns([
        ["server", "submits/s", "p50 ms", "p99 ms", "errors"],
        ["voxqueue API", sp(a.voxqueue.submits_per_s, 0), sp(a.voxqueue.p50_ms, 1), sp(a.voxqueue.p99_ms, 1), String(a.voxqueue.errors)],
        ["bare http + Queue.add", sp(a.bare.submits_per_s, 0), sp(a.bare.p50_ms, 1), sp(a.bare.p99_ms, 1), String(a.bare.errors)],
        ["ratio", sp(a.ratio), "", "", ""],
      ]),
    );
  }
  if (r.memory) {
    const m = r.memory;
    const mib = (b: number) => f(b / 2 ** 20, 0);
    out.push(
      "",
      `(8) worker RSS MiB (${m.voice}): idle ${mib(m.idle_bytes)}, under load ${mib(m.under_load_bytes)}, after ${m.jobs} more jobs ${mib(m.after_jobs_bytes)} (x${f(m.after_over_load)} of under load)`,
    );
  }
  if (r.cache) {
    const c = r.cache;
    out.push(
      "",
      `audio cache, ${c.jobs} pairs, submit -> completed via ?wait= ms: hit p50 ${f(c.hit_ms.p50, 1)} p99 ${f(c.hit_ms.p99, 1)}; miss p50 ${f(c.miss_ms.p50, 1)} p99 ${f(c.miss_ms.p99, 1)} (hit/miss ${f(c.hit_over_miss, 3)})`,
    );
    out.push(
      `audio cache hit at the API (POST /v1/jobs -> 202 completed) ms: p50 ${f(c.hit_submit_ms.p50, 1)} p99 ${f(c.hit_submit_ms.p99, 1)}; POST /v1/audio/speech hit (wav, whole body) p50 ${f(c.speech_hit_ms.p50, 1)} p99 ${f(c.speech_hit_ms.p99, 1)}`,
    );
  }
  if (r.batching) {
    const b = r.batching;
    out.push(
      "",
      `batching: ${b.sentences} sentences at once, ${b.threads} inference thread x ${b.intra_op_threads} onnxruntime threads, voice ${b.voice}; load average ${f(b.load_average.min, 1)}-${f(b.load_average.max, 1)}`,
    );
    out.push(
      columns([
        ["BATCH_MAX_SIZE", "audio s/s", "ratio to 1", "sentences per run"],
        ...b.rows.map((x) => [String(x.batch_max_size), sp(x.audio_s_per_s, 1), sp(x.ratio_to_unbatched), f(x.mean_batch, 1)]),
      ]),
    );
  }
  if (r.longform) {
    const l = r.longform;
    const w = l.worker;
    out.push(
      "",
      `long-form job: ${l.chars} characters, ${l.chunks} chunk jobs of ~${l.chunk_chars}, voice ${l.voice}; each worker ${w.worker_concurrency} job x ${w.inference_threads} inference thread x ${w.ort_intra_op_threads} onnxruntime thread; load average ${f(l.load_average.min, 1)}-${f(l.load_average.max, 1)}`,
    );
    out.push(
      columns([
        ["worker processes", "wall s", "audio s", "audio s/s", "speedup"],
        ...l.rows.map((x) => [String(x.workers), sp(x.wall_s, 1), f(x.audio_s.median, 0), sp(x.audio_s_per_s, 1), x.workers === 1 ? "1" : sp(l.speedup)]),
      ]),
    );
    out.push(`WAV checked: ${l.wav.sample_rate} Hz, ${f(l.wav.bytes / 2 ** 20, 1)} MiB, ${f(l.wav.seconds, 1)} s`);
  }
  const goals = Object.entries(r.goals);
  if (goals.length > 0) {
    out.push("", "goals (reported, never asserted)");
    out.push(
      columns([
        ["goal", "value", "met"],
        ...goals.map(([, g]) => [g.goal, g.value === null ? "-" : f(g.value, 3), g.met === null ? "-" : g.met ? "yes" : "no"]),
      ]),
    );
  }
  return out.join("\n");
}
