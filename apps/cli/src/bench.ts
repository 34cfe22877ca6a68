// `pnpm bench`: synthesis benchmarks of the reference voices, in process (no Redis):
// synthesis and audio seconds, RTF (median of N runs, min/max), phonemize time and
// peak RSS per voice and text; `--e2e` adds a throughput run through Redis, the API
// and a worker. Writes bench-report.json and prints a table.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { discoverVoices } from "@voxqueue/synth";
import { REFERENCE_VOICES, defaultVoicesDir, ensureReferenceVoices } from "@voxqueue/voice-forge";
import { BENCH_TEXTS, RTF_TARGET, benchVoice, formatTable, hostInfo, spread, type BenchReport, type BenchTextName, type E2eResult } from "./bench-lib.js";
import { VoxqueueClient } from "./client.js";
import { LocalStack, StackStoppedError, stopStackOnExit } from "./stack.js";

const DEFAULT_VOICES = ["en_US-voxqueue_ref-medium", "en_US-voxqueue_ref-x_low"];

const HELP = `Usage: pnpm bench [options]

Loads each voice in this process (one inference thread, as a worker with
concurrency 1) and times synthesis of three texts: one sentence, a paragraph
(~300 characters) and a long text (~3000 characters). Each text runs once to warm
up, then --runs times. Reports per voice and text: synthesis seconds, audio
seconds, RTF = synthesis / audio (median, min, max), phonemize time (normalise,
chunk, espeak-ng, phoneme ids) and peak RSS. No Redis needed.

Options:
  -n, --runs N            timed runs per text (default: 5)
  -v, --voices IDS        comma-separated voice ids in VOICES_DIR
                          (default: ${DEFAULT_VOICES.join(",")})
  -t, --texts NAMES       comma-separated subset of: ${Object.keys(BENCH_TEXTS).join(",")} (default: all)
      --threads N         onnxruntime intra-op threads (default: all cores, ${availableParallelism()} here)
  -o, --out FILE          where to write the JSON report (default: bench-report.json)
      --e2e               also measure throughput through Redis, the API and a worker
                          (starts them like pnpm start; Redis at REDIS_URL or a local one)
      --e2e-jobs N        jobs submitted at once in the --e2e run (default: 24)
  -h, --help              show this help

Progress goes to stderr, the table to stdout. Targets (median RTF < ${RTF_TARGET}) are
reported in the JSON, never asserted: timings depend on the machine.`;

class UsageError extends Error {}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Starts Redis (if needed), a worker and the API, submits `jobs` at once, times them. */
async function benchE2e(voice: string, text: BenchTextName, jobs: number): Promise<E2eResult> {
  const env = { ...process.env, PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()), QUEUE_NAME: `bench-${randomUUID().slice(0, 8)}`, LOG_LEVEL: "warn" };
  log(`--e2e: starting Redis (if needed), a worker and the API (logs in data/logs), queue ${env.QUEUE_NAME}`);
  const stack = new LocalStack({ env, output: "files", log });
  // Its processes run in their own process groups: a Ctrl-C reaches only this process, which stops them.
  const exit = stopStackOnExit(stack, log, { signalExitCode: 130 });
  try {
    await stack.start().catch(async (err: unknown) => {
      if (err instanceof StackStoppedError) await exit.shutdown(130);
      throw err;
    });
    const client = new VoxqueueClient(stack.apiUrl);
    const t0 = performance.now();
    const submitted = await Promise.all(Array.from({ length: jobs }, () => client.submit({ text: BENCH_TEXTS[text], voice }).then((a) => ({ id: a.id, at: performance.now() }))));
    let done = 0;
    const finished = await Promise.all(
      submitted.map(async ({ id, at }) => {
        const job = await client.waitForJob(id);
        log(`--e2e: ${++done}/${jobs} jobs finished`);
        return { job, latency: (performance.now() - at) / 1000 };
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const results = finished.map((f) => f.job.result).filter((r) => r !== undefined);
    if (results.length !== jobs) throw new Error(`${jobs - results.length} of ${jobs} jobs failed: ${JSON.stringify(finished.find((f) => !f.job.result)?.job.error)}`);
    return {
      voice,
      text,
      jobs,
      concurrency: Number(process.env.WORKER_CONCURRENCY ?? 1),
      wall_s: wall,
      jobs_per_min: (jobs / wall) * 60,
      audio_s_per_s: results.reduce((n, r) => n + r.audio_duration_s, 0) / wall,
      mean_job_rtf: results.reduce((n, r) => n + r.rtf, 0) / results.length,
      latency_s: spread(finished.map((f) => f.latency)),
    };
  } finally {
    await stack.stop();
    exit.dispose();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", short: "n", default: "5" },
      voices: { type: "string", short: "v", default: DEFAULT_VOICES.join(",") },
      texts: { type: "string", short: "t", default: Object.keys(BENCH_TEXTS).join(",") },
      threads: { type: "string", default: String(availableParallelism()) },
      out: { type: "string", short: "o", default: "bench-report.json" },
      e2e: { type: "boolean", default: false },
      "e2e-jobs": { type: "string", default: "24" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const runs = positiveInt("runs", values.runs);
  const intraOpThreads = positiveInt("threads", values.threads);
  const e2eJobs = positiveInt("e2e-jobs", values["e2e-jobs"]);
  const texts = values.texts.split(",").map((t) => t.trim()) as BenchTextName[];
  const unknownText = texts.find((t) => !(t in BENCH_TEXTS));
  if (unknownText) throw new UsageError(`unknown text "${unknownText}"; choose from ${Object.keys(BENCH_TEXTS).join(", ")}`);
  const voiceIds = values.voices.split(",").map((v) => v.trim()).filter(Boolean);
  const out = resolve(values.out);

  const dir = defaultVoicesDir();
  const references = voiceIds.filter((id) => REFERENCE_VOICES.some((r) => r.name === id));
  if (references.length > 0) {
    let last = "";
    await ensureReferenceVoices(dir, {
      only: references,
      onProgress: (p) => {
        if (p.step !== last) log(`voices: ${(last = p.step)}`);
      },
    });
  }
  const { voices } = await discoverVoices(dir);
  const selected = voiceIds.map((id) => {
    const voice = voices.find((v) => v.id === id);
    if (!voice) throw new UsageError(`voice "${id}" not found in ${dir} (installed: ${voices.map((v) => v.id).join(", ") || "none"})`);
    return voice;
  });

  const sentenceSilenceSeconds = 0.2;
  const report: BenchReport = {
    generated_at: new Date().toISOString(),
    host: hostInfo(),
    config: { runs, warmup_runs: 1, inference_threads: 1, intra_op_threads: intraOpThreads, execution_provider: "cpu", sentence_silence_s: sentenceSilenceSeconds },
    targets: { rtf: RTF_TARGET, note: "median RTF below this keeps up with real time; reported, not asserted" },
    voices: [],
    results: [],
    e2e: null,
    max_rss_bytes: 0,
  };
  log(`${selected.length} voice(s) x ${texts.length} text(s) x (1 warm-up + ${runs}) runs, ${intraOpThreads} onnxruntime thread(s), ${report.host.cpus} CPU(s)`);
  for (const voice of selected) {
    const { loadSeconds, results } = await benchVoice(voice, {
      texts,
      runs,
      intraOpThreads,
      sentenceSilenceSeconds,
      onProgress: ({ voice: id, text, run, runs: n, last }) => {
        const previous = last ? ` (last: ${last.synthesisSeconds.toFixed(2)} s for ${last.audioSeconds.toFixed(1)} s audio, RTF ${(last.synthesisSeconds / last.audioSeconds).toFixed(3)})` : "";
        log(`${id} ${text}: ${run === 0 ? "warm-up" : `run ${run}/${n}`}${previous}`);
      },
    });
    report.voices.push({ id: voice.id, quality: voice.config.audio.quality ?? null, load_s: loadSeconds });
    report.results.push(...results);
  }
  if (values.e2e) {
    const voice = selected.find((v) => v.id.endsWith("x_low"))?.id ?? selected[0]!.id;
    report.e2e = await benchE2e(voice, "paragraph", e2eJobs);
  }
  report.max_rss_bytes = process.resourceUsage().maxRSS * 1024;
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);

  console.log(formatTable(report.results));
  if (report.e2e) {
    const e = report.e2e;
    console.log(`\ne2e (${e.voice}, ${e.jobs} x ${e.text}, worker concurrency ${e.concurrency}): ${e.jobs_per_min.toFixed(1)} jobs/min, ${e.audio_s_per_s.toFixed(2)} s of audio per s, latency median ${e.latency_s.median.toFixed(2)} s (max ${e.latency_s.max.toFixed(2)} s), mean job RTF ${e.mean_job_rtf.toFixed(3)}`);
  }
  console.log(`\nreport: ${out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pnpm bench: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof UsageError) console.error("see pnpm bench --help");
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
