// `pnpm bench`: how close the service comes to what the model can do bare on this
// machine, and to the native peer (sherpa-onnx-node). Every figure is taken beside a
// baseline of the same run, in interleaved rounds (the machine may be shared). Writes
// bench-report.json and prints the tables. See --help.
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "@voxqueue/config";
import { discoverVoices, espeakInfo, prepareText, type VoiceFiles } from "@voxqueue/synth";
import { REFERENCE_VOICES, defaultVoicesDir, ensureReferenceVoices } from "@voxqueue/voice-forge";
import { benchVoice, hostInfo } from "./bench-lib.js";
import { measureApi } from "./bench/api-load.js";
import { BenchStack } from "./bench/bench-stack.js";
import { CORPUS, CORPUS_PARAGRAPH, ONE_SENTENCE } from "./bench/corpus.js";
import { measureBareQueue, measureCache, measureOverhead, measureShapes, type E2eRow } from "./bench/e2e.js";
import { writeSherpaVoice } from "./bench/engines.js";
import { configLabel, engineConfigs, measureLimit, type CorpusInput, type EngineConfig } from "./bench/limit.js";
import { churn, rssPeak } from "./bench/memory.js";
import { measureSpeech } from "./bench/speech.js";
import { measureBatching } from "./bench/batching.js";
import { LONGFORM_DEFAULT_CHARS, LONGFORM_MIN_CHARS, measureLongform } from "./bench/longform.js";
import { emptySuite, formatSuite, type SuiteReport } from "./bench/report.js";
import { LoadSampler } from "./bench/stats.js";
import { ensureRedis } from "./redis.js";
import { redisDataDir } from "./stack.js";

const SECTIONS = ["limit", "peer", "e2e", "overhead", "queue", "api", "scaling", "memory", "cache", "pipeline", "speech", "batching", "longform"] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `Usage: pnpm bench [options]

Measures, on this machine and in one run (the limit is re-measured beside every
service measure, in interleaved rounds, and each figure is also given as a ratio):
  limit     (1) bare onnxruntime-node session.run over the corpus: 1 session x 1
            thread, 1 x cores, cores x 1; the best is the limit
  peer      (6) sherpa-onnx-node (native, its own onnxruntime) on the same model
  e2e       (2) the corpus through HTTP -> Redis -> worker: one job per sentence, and
            one paragraph job, with the shipped defaults
  overhead  (3) a one-sentence job at a time: time beyond session.run, p50/p99
  queue     (4) created -> started, beside a bare BullMQ add -> process loop
  api       (5) POST /v1/jobs under load (autocannon), beside a bare http + Queue.add
  scaling   (7) 1 and 2 workers, WORKER_CONCURRENCY, INFERENCE_THREADS and
            ORT_INTRA_OP_THREADS swept (the second row: the layout shipped before)
  memory    (8) worker RSS idle, under load and after --memory-jobs jobs
  cache     the audio cache: a repeat (hit) against a new text (miss): the submit's
            answer, and the job seen by ?wait=; a repeated POST /v1/audio/speech
  pipeline  in-process synthesis (one inference thread, no Redis), RTF per text
  batching  dynamic batching in process: the corpus's sentences submitted at once to
            one inference thread with BATCH_MAX_SIZE 1, 2, 4, 8; audio s/s, ratio to 1
  longform  one long-form job of --longform-chars characters of corpus sentences
            (split by the API into chunk jobs) with 1 and with 2 worker processes,
            each on one core (1 job x 1 inference thread x 1 onnxruntime thread):
            wall time, audio s/s, speedup (goal >= 1.7); every WAV decoded and checked.
            Long: about 0.08 s of audio per character, ~4,000 s per run at 50,000
The corpus (apps/cli/src/bench/corpus.ts) is 20 English sentences of mixed lengths.
Redis: REDIS_URL, or one started for the run. Apps' logs: data/logs/bench-*.log.

Options:
  -q, --quick             one round, fewer configurations, shorter loads (~2-3 min)
  -r, --rounds N          interleaved rounds per measure (default: 2; --quick: 1)
  -v, --voice ID          voice (default: en_US-voxqueue_ref-medium)
      --only LIST         comma-separated subset of: ${SECTIONS.join(",")}
      --memory-jobs N     jobs before the last RSS reading (default: 300; --quick: 60)
      --overhead-jobs N   one-sentence jobs of (3) and (4) (default: 40; --quick: 12)
      --longform-chars N  characters of the longform job, at least ${LONGFORM_MIN_CHARS} (over MAX_TEXT_CHARS)
                          (default: ${LONGFORM_DEFAULT_CHARS}; --quick: 20000)
  -o, --out FILE          JSON report (default: bench-report.json)
  -h, --help              show this help

Progress goes to stderr, the tables to stdout. Goals are reported in the JSON,
never asserted: timings depend on the machine.`;

class UsageError extends Error {}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A folder holding only `voice` (workers load every voice of VOICES_DIR: fewer start faster). */
async function voiceOnlyDir(voice: VoiceFiles): Promise<string> {
  const dir = join(REPO_ROOT, "data", "bench", "voices");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await symlink(voice.onnxPath, join(dir, basename(voice.onnxPath)));
  await symlink(voice.configPath, join(dir, basename(voice.configPath)));
  return dir;
}

/** One stack configuration of (7): worker processes, WORKER_CONCURRENCY, INFERENCE_THREADS, ORT_INTRA_OP_THREADS (0 = default). */
interface StackConfig {
  workers: number;
  concurrency: number;
  inference: number;
  ort: number;
}

/**
 * The stack configurations of (7); the first is the shipped defaults, the second the
 * layout voxqueue shipped before (one inference thread per job, onnxruntime on every
 * core): the before/after of spreading a job's sentences over the threads.
 */
function stackConfigs(quick: boolean, cores: number): StackConfig[] {
  const defaults = { workers: 1, concurrency: 1, inference: 0, ort: 0 };
  const before = { workers: 1, concurrency: 1, inference: 1, ort: cores };
  if (quick) return [defaults, before];
  return [defaults, before, { workers: 1, concurrency: 2, inference: 0, ort: 0 }, { workers: 2, concurrency: 1, inference: 1, ort: 1 }];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", short: "q", default: false },
      rounds: { type: "string", short: "r" },
      voice: { type: "string", short: "v", default: "en_US-voxqueue_ref-medium" },
      only: { type: "string", default: SECTIONS.join(",") },
      "memory-jobs": { type: "string" },
      "overhead-jobs": { type: "string" },
      "longform-chars": { type: "string" },
      out: { type: "string", short: "o", default: "bench-report.json" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const quick = values.quick;
  // Sized so that the whole suite stays under 10 minutes on an idle 2-core machine.
  const rounds = positiveInt("rounds", values.rounds ?? (quick ? "1" : "2"));
  const memoryJobs = positiveInt("memory-jobs", values["memory-jobs"] ?? (quick ? "60" : "300"));
  const overheadJobs = positiveInt("overhead-jobs", values["overhead-jobs"] ?? (quick ? "12" : "40"));
  const longformChars = positiveInt("longform-chars", values["longform-chars"] ?? (quick ? "20000" : String(LONGFORM_DEFAULT_CHARS)));
  if (longformChars < LONGFORM_MIN_CHARS)
    throw new UsageError(`--longform-chars must be at least ${LONGFORM_MIN_CHARS} (over MAX_TEXT_CHARS) to make a long-form job, got ${longformChars}`);
  const only = new Set(
    values.only
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const unknown = [...only].find((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown) throw new UsageError(`unknown section "${unknown}"; choose from ${SECTIONS.join(", ")}`);
  const want = (s: Section) => only.has(s);
  const out = resolve(values.out);
  const started = performance.now();
  const load = new LoadSampler();

  const dir = defaultVoicesDir();
  if (REFERENCE_VOICES.some((r) => r.name === values.voice)) await ensureReferenceVoices(dir, { only: [values.voice] });
  const voice = (await discoverVoices(dir)).voices.find((v) => v.id === values.voice);
  if (!voice) throw new UsageError(`voice "${values.voice}" not found in ${dir}`);

  // The corpus as the worker feeds it: phoneme ids per sentence.
  const prepared = CORPUS.map((text) => prepareText(text, voice.config).sentences);
  const ids = prepared.flat();
  const oneSentenceIndex = prepared.slice(0, CORPUS.indexOf(ONE_SENTENCE)).flat().length;
  const sherpa = want("peer") ? await writeSherpaVoice(voice, join(REPO_ROOT, "data", "bench", `sherpa-${voice.id}`), espeakInfo().dataPath) : null;
  const input: CorpusInput = { voice, ids, texts: CORPUS.flatMap((t, i) => prepared[i]!.map(() => t)), sherpa };
  if (sherpa && prepared.some((p) => p.length !== 1)) log("note: a corpus line is more than one sentence; sherpa-onnx gets whole lines");

  const report = emptySuite({ host: hostInfo(), quick, rounds, voice: voice.id, corpus: { sentences: ids.length, chars: CORPUS_PARAGRAPH.length } });

  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const redis = await ensureRedis(redisUrl, redisDataDir(redisUrl), log);
  const cores = availableParallelism();
  const configs: EngineConfig[] = [...engineConfigs("ort", cores), ...(want("peer") ? engineConfigs("sherpa", cores) : [])];
  const { rows, limit, sets } = await measureLimit(input, configs, rounds, log);
  report.limit = { rows, limit: configLabel(limit), native_peer_best_ratio: null };
  const peers = rows.filter((r) => r.engine === "sherpa-onnx-node");
  if (peers.length > 0)
    report.limit.native_peer_best_ratio = peers.reduce((a, b) => (b.ratio_to_limit.median > a.ratio_to_limit.median ? b : a)).ratio_to_limit;
  const limitSet = sets.get(configLabel(limit))!;
  const singleSession = sets.get(configLabel({ engine: "ort", sessions: 1, intraOpThreads: Math.max(2, cores) }))!;
  for (const [label, set] of sets) if (set !== limitSet && set !== singleSession) await set.close().then(() => sets.delete(label));

  const voicesDir = await voiceOnlyDir(voice);
  const body = { voice: voice.id };
  const corpus = { sentences: CORPUS, paragraph: CORPUS_PARAGRAPH, order: ids.map((_, i) => i) };
  try {
    const stackList = want("scaling")
      ? stackConfigs(quick, cores)
      : want("e2e") || want("overhead") || want("memory") || want("api")
        ? stackConfigs(quick, cores).slice(0, 1)
        : [];
    for (const [i, sc] of stackList.entries()) {
      const env = { WORKER_CONCURRENCY: String(sc.concurrency), INFERENCE_THREADS: String(sc.inference), ORT_INTRA_OP_THREADS: String(sc.ort) };
      log(
        `stack ${i + 1}/${stackList.length}: ${sc.workers} worker(s), ${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
      );
      const stack = new BenchStack({ redisUrl, voicesDir, workers: sc.workers, env, log });
      try {
        await stack.start();
        const idle = i === 0 ? Math.max(...(await stack.workerRss())) : 0;
        const peak = rssPeak(stack);
        if (want("e2e") || want("scaling")) {
          const shapes = await measureShapes(stack, limitSet, corpus, body, rounds, log);
          report.e2e.push({
            workers: sc.workers,
            worker_concurrency: sc.concurrency,
            inference_threads: sc.inference,
            ort_intra_op_threads: sc.ort,
            ...shapes,
          } satisfies E2eRow);
        }
        const underLoad = await peak();
        if (i !== 0) continue;
        if (want("overhead") || want("queue")) {
          log(`overhead: ${overheadJobs} one-sentence jobs, one at a time`);
          report.overhead = await measureOverhead(stack, singleSession, oneSentenceIndex, ONE_SENTENCE, body, overheadJobs);
        }
        if (want("queue")) report.bare_queue_rtt_ms = await measureBareQueue(redisUrl, `${stack.queueName}-rtt`, overheadJobs);
        if (want("memory")) {
          const peakAgain = rssPeak(stack);
          await churn(stack, CORPUS, body, memoryJobs, 4, log);
          const loadPeak = Math.max(underLoad, await peakAgain());
          await new Promise((r) => setTimeout(r, 2000));
          const after = Math.max(...(await stack.workerRss()));
          report.memory = {
            voice: voice.id,
            idle_bytes: idle,
            under_load_bytes: loadPeak,
            jobs: memoryJobs,
            after_jobs_bytes: after,
            after_over_load: after / loadPeak,
          };
        }
        if (want("api"))
          report.api = await measureApi(stack, redisUrl, { ...body, text: ONE_SENTENCE }, { connections: 20, duration: quick ? 2 : 5, rounds }, log);
      } finally {
        await stack.stop();
      }
    }
    if (want("cache")) {
      log("cache: a stack with the audio cache on");
      const stack = new BenchStack({ redisUrl, voicesDir, workers: 1, env: { AUDIO_CACHE_MAX_BYTES: "67108864" }, log });
      try {
        await stack.start();
        report.cache = await measureCache(stack, CORPUS, body, overheadJobs);
      } finally {
        await stack.stop();
      }
    }
    if (want("longform")) report.longform = await measureLongform({ redisUrl, voicesDir, voice: voice.id, chars: longformChars, rounds, log });
  } finally {
    for (const set of sets.values()) await set.close();
    await redis.child?.kill("SIGTERM");
  }
  if (want("pipeline")) {
    log("pipeline: in-process synthesis");
    report.pipeline = (
      await benchVoice(voice, { texts: ["sentence", "paragraph"], runs: quick ? 1 : 3, intraOpThreads: cores, sentenceSilenceSeconds: 0.2 })
    ).results;
  }

  if (want("speech")) {
    log("speech: time to first audio and encoding cost (x_low voice, in process)");
    const xLowId = "en_US-voxqueue_ref-x_low";
    await ensureReferenceVoices(dir, { only: [xLowId] });
    const xLow = (await discoverVoices(dir)).voices.find((v) => v.id === xLowId)!;
    report.speech = await measureSpeech(xLow, { runs: Math.max(3, rounds), intraOpThreads: cores });
  }

  if (want("batching")) {
    log("batching: batch sizes 1, 2, 4, 8 on one inference thread (in process)");
    report.batching = await measureBatching(voice, CORPUS, { rounds, intraOpThreads: cores, log });
  }

  report.goals = goals(report);
  report.load_average = load.stop();
  report.wall_s = (performance.now() - started) / 1000;
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatSuite(report));
  console.log(`\nreport: ${out}`);
  return 0;
}

/** The issue's goals, read off the report (null where the measure did not run). */
function goals(r: SuiteReport): SuiteReport["goals"] {
  const d = r.e2e[0];
  const o = r.overhead;
  // Both as ratios to the limit of their own rounds: absolute figures of different moments of a shared machine do not compare.
  const peer = r.limit?.rows.filter((x) => x.engine === "sherpa-onnx-node").map((x) => x.ratio_to_limit.median);
  const worst = d ? Math.min(d.sentences.ratio_to_limit.median, d.paragraph.ratio_to_limit.median) : null;
  const g = (goal: string, value: number | null | undefined, met: (v: number) => boolean) => ({
    goal,
    value: value ?? null,
    met: value === null || value === undefined ? null : met(value),
  });
  return {
    e2e_many_small: g("20 one-sentence jobs >= 0.95 x limit", d?.sentences.ratio_to_limit.median, (v) => v >= 0.95),
    e2e_one_long: g("one paragraph job >= 0.95 x limit", d?.paragraph.ratio_to_limit.median, (v) => v >= 0.95),
    native_peer: g(
      "end to end (both shapes) >= native peer's best, as ratios to the limit",
      worst !== null && peer && peer.length > 0 ? worst / Math.max(...peer) : null,
      (v) => v >= 1,
    ),
    client_overhead: g("submit -> seen within 5 % of synthesis (p50 share)", o?.overhead_share.p50, (v) => v <= 0.05),
    client_p99: g("submit -> seen (?wait=) p99 < synthesis p99 + 20 ms (ms over)", o ? o.long_poll_ms.p99 - o.bare_run_ms.p99 : null, (v) => v < 20),
    cache_hit: g("cache hit at the API (submit answered) < 5 ms (p50)", r.cache?.hit_submit_ms.p50, (v) => v < 5),
    queue_rtt_p50: g("queue round trip p50 < 2 ms", o?.queue_rtt_ms.p50, (v) => v < 2),
    queue_rtt_p99: g("queue round trip p99 < 10 ms", o?.queue_rtt_ms.p99, (v) => v < 10),
    api_throughput: g("API >= 3000 submits/s", r.api?.voxqueue.submits_per_s.median, (v) => v >= 3000),
    api_p99: g("API p99 < 50 ms", r.api?.voxqueue.p99_ms.median, (v) => v < 50),
    longform_speedup: g("long-form job: 2 one-core workers >= 1.7 x 1 (wall time)", r.longform?.speedup.median, (v) => v >= 1.7),
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`pnpm bench: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof UsageError) console.error("see pnpm bench --help");
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
