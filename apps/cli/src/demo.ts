// `pnpm demo`: the main job end to end on a fresh machine — brings up Redis (if
// needed), a worker and the API, synthesizes a sample paragraph through the queue,
// writes out/sample.wav, prints its duration, RTF and where the metrics are, stops.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "@voxqueue/config";
import { VoxqueueClient } from "./client.js";
import { progressReporter } from "./progress.js";
import { startStack } from "./stack.js";

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

Starts the stack (Redis if needed, a worker, the API), synthesizes a sample
paragraph through the queue, writes it to --out (default out/sample.wav) and prints
its duration and RTF. --keep leaves the stack running afterwards (Ctrl-C stops it).
Default voice: en_US-voxqueue_ref-medium, voxqueue's generated reference voice
(a VITS graph of Piper "medium" size with synthetic weights: its audio is not speech).`);
  process.exit(0);
}

const log = (line: string) => console.log(`[demo] ${line}`);
log("starting Redis (if needed), a worker and the API; the first start generates the reference voices (progress in data/logs/worker.log)");
const stack = await startStack({ env: process.env, output: "files", log }).catch((err: Error) => {
  console.error(`[demo] ${err.message}`);
  process.exit(1);
});
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
  log(`audio duration ${r.audio_duration_s.toFixed(2)} s, synthesis ${r.synthesis_s.toFixed(2)} s, RTF ${r.rtf.toFixed(3)} (${r.sample_rate} Hz, voice ${r.voice})`);
  log(`metrics: API ${stack.apiUrl}/metrics, worker ${stack.workerMetricsUrl}/metrics; logs in ${stack.logDir}`);
  if (values.keep) {
    log("stack left running (--keep); Ctrl-C to stop");
    process.on("SIGINT", () => void stack.stop().then(() => process.exit(0)));
    await stack.exited;
  }
} catch (err) {
  console.error(`[demo] failed: ${(err as Error).message} (logs in ${stack.logDir})`);
  process.exitCode = 1;
} finally {
  await stack.stop();
}
process.exit(process.exitCode ?? 0);
