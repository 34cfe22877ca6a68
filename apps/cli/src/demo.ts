// `pnpm demo`: the main job end to end on a fresh machine — brings up Redis (if
// needed), generates the reference voices (if missing), a worker and the API,
// synthesizes a sample paragraph through the queue, writes out/sample.wav, prints its
// duration, RTF and where the metrics are, stops.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "@voxqueue/config";
import { VoxqueueClient } from "./client.js";
import { progressReporter } from "./progress.js";
import { describeExit, LocalStack, StackStoppedError, stopStackOnExit } from "./stack.js";

const SAMPLE = `A rainbow is a meteorological phenomenon that is caused by reflection, refraction and dispersion of light in water droplets, resulting in a spectrum of light appearing in the sky. It takes the form of a multicoloured circular arc. Rainbows caused by sunlight always appear in the section of sky directly opposite the Sun.`;

const { values } = parseArgs({
  options: {
    out: { type: "string", short: "o", default: join(REPO_ROOT, "out", "sample.wav") },
    voice: { type: "string", short: "v" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`Usage: pnpm demo [--voice ID] [--out FILE] [--keep]

Starts the stack (Redis if needed, the reference voices into VOICES_DIR when
missing as \`pnpm voices\` does, a worker, the API), synthesizes a sample
paragraph through the queue, writes it to --out (default out/sample.wav) and prints
its duration and RTF. --keep leaves the stack running afterwards (Ctrl-C stops it).
Default voice: en_US-voxqueue_ref-medium, voxqueue's generated reference voice
(a VITS graph of Piper "medium" size with synthetic weights: its audio is not speech).`);
  process.exit(0);
}

const log = (line: string) => console.log(`[demo] ${line}`);
log("starting Redis (if needed), the reference voices (generated when missing; progress in data/logs/voices.log), a worker and the API");
const stack = new LocalStack({ env: process.env, output: "files", log });
// Before start(): a Ctrl-C while the stack comes up stops what was started so far.
const { shutdown } = stopStackOnExit(stack, log, { signalExitCode: 130 });
try {
  await stack.start();
} catch (err) {
  if (!(err instanceof StackStoppedError)) console.error(`[demo] ${(err as Error).message}`);
  await shutdown(1);
}
let exitCode = 0;
try {
  const client = new VoxqueueClient(stack.apiUrl);
  const voice = values.voice ?? "en_US-voxqueue_ref-medium";
  log(`submitting ${SAMPLE.length} characters to POST ${stack.apiUrl}/v1/jobs (voice ${voice})`);
  const accepted = await client.submit({ text: SAMPLE, voice });
  const progress = progressReporter();
  const job = await client.waitForJob(accepted.id, { onUpdate: progress.update });
  progress.done();
  const wav = await client.audio(accepted.id);
  await mkdir(join(values.out, ".."), { recursive: true });
  await writeFile(values.out, wav);
  const r = job.result!;
  log(`wrote ${values.out} (${wav.length} bytes)`);
  log(
    r.cached
      ? `audio duration ${r.audio_duration_s.toFixed(2)} s, answered from the audio cache (an earlier run's audio for this text: not synthesized again; ${r.sample_rate} Hz, voice ${r.voice})`
      : `audio duration ${r.audio_duration_s.toFixed(2)} s, synthesis ${r.synthesis_s.toFixed(2)} s, RTF ${r.rtf.toFixed(3)} (${r.sample_rate} Hz, voice ${r.voice})`,
  );
  log(`metrics: API ${stack.apiUrl}/metrics, worker ${stack.workerMetricsUrl}/metrics; logs in ${stack.logDir}`);
  if (values.keep) {
    log("stack left running (--keep); Ctrl-C to stop");
    const e = await stack.exited;
    await shutdown(1, `the ${e.name} ${describeExit(e)}; stopping the rest`);
  }
} catch (err) {
  // A Ctrl-C mid-job stops the API under the client: its error is no news.
  if (!stack.isStopping) console.error(`[demo] failed: ${(err as Error).message} (logs in ${stack.logDir})`);
  exitCode = 1;
}
await shutdown(exitCode);
