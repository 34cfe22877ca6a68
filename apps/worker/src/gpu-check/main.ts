// gpu-check: what a GPU host gives voxqueue's engine (run by scripts/gpu-check.sh, which
// documents the options). Installs nothing and reaches no network: the script generates
// the reference voice first (`pnpm voices`: voice-forge, seeded weights, its audio is
// noise); this only loads it. Prints a report; --json FILE writes the same figures as JSON.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DEFAULT_VOICES_DIR } from "@voxqueue/config";
import { discoverVoices, type ExecutionProvider } from "@voxqueue/synth";
import { METRIC } from "@voxqueue/telemetry";
import { findOnPath, GpuMemorySampler } from "../gpu-sampler.js";
import { checkProvider, type ProviderCheck } from "./measure.js";
import { batchScaling } from "./batch-scaling.js";

const PROVIDERS: readonly ExecutionProvider[] = ["cuda", "webgpu", "cpu"];
const REFERENCE_VOICE = "en_US-voxqueue_ref-medium";

const { values } = parseArgs({
  options: {
    voice: { type: "string", default: REFERENCE_VOICE },
    providers: { type: "string", default: PROVIDERS.join(",") },
    rounds: { type: "string", default: "3" },
    json: { type: "string" },
  },
});
const providers = values.providers
  .split(",")
  .map((p) => p.trim())
  .filter(Boolean);
for (const p of providers)
  if (!PROVIDERS.includes(p as ExecutionProvider)) throw new Error(`--providers: unknown provider "${p}" (expected ${PROVIDERS.join(", ")})`);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds must be a positive integer");

const dir = process.env.VOICES_DIR || DEFAULT_VOICES_DIR;
const voice = (await discoverVoices(dir)).voices.find((v) => v.id === values.voice);
if (!voice) throw new Error(`no voice ${values.voice} in ${dir} (VOICES_DIR): a reference voice comes from \`pnpm voices --only ${values.voice}\``);

/** GPU memory as the worker's gauges show it, or why there is none. */
async function gpuGauges(sampler: GpuMemorySampler | null): Promise<Record<string, number> | string> {
  if (!sampler) return "absent: nvidia-smi is not on PATH (no NVIDIA GPU here)";
  try {
    const readings = await sampler.sample();
    return Object.fromEntries(
      readings.flatMap((r) => [
        [`${METRIC.gpuMemory}{gpu_id="${r.gpuId}"}`, r.usedBytes],
        [`${METRIC.gpuMemoryTotal}{gpu_id="${r.gpuId}"}`, r.totalBytes],
      ]),
    );
  } catch (err) {
    return `absent: ${(err as Error).message}`;
  }
}

const smi = await findOnPath("nvidia-smi");
const sampler = smi ? new GpuMemorySampler({ command: smi, timeoutMs: 5000, cacheMs: 0 }) : null;
const report: { voice: string; rounds: number; gpu_memory_before: unknown; providers: (ProviderCheck & { gpu_memory_after?: unknown })[] } = {
  voice: voice.id,
  rounds,
  gpu_memory_before: await gpuGauges(sampler),
  providers: [],
};

const out = (line: string) => process.stdout.write(`${line}\n`);
out(`gpu-check: voice ${voice.id} (reference voices: synthetic weights, the audio is noise), ${rounds} round(s), median inference time`);
out(`GPU memory before: ${JSON.stringify(report.gpu_memory_before)}`);
for (const provider of providers as ExecutionProvider[]) {
  const result = await checkProvider(voice, provider, rounds);
  if (!result.available) {
    out(`\n${provider}: unavailable (${result.reason})`);
    report.providers.push(result);
    continue;
  }
  const memory = await gpuGauges(sampler);
  report.providers.push({ ...result, gpu_memory_after: memory });
  out(`\n${provider}: loaded and warmed up in ${result.loadSeconds.toFixed(2)} s`);
  out("  text           chars  sentences  audio_s  inference_s     RTF");
  for (const t of result.timings) {
    out(
      `  ${t.text.padEnd(14)} ${String(t.chars).padStart(5)}  ${String(t.sentences).padStart(9)}  ${t.audioSeconds.toFixed(2).padStart(7)}  ${t.inferenceSeconds.toFixed(4).padStart(11)}  ${t.rtf.toFixed(4).padStart(6)}`,
    );
  }
  out(`  GPU memory after its runs: ${JSON.stringify(memory)}`);
}
out("\nbatch-size scaling (dynamic batching, BATCH_MAX_SIZE): 8 sentences in batches of 1, 2, 4, 8; best of the rounds");
const scaling: Record<string, unknown> = {};
for (const check of report.providers) {
  if (!check.available) continue;
  const rows = await batchScaling(voice, check.provider, rounds);
  scaling[check.provider] = rows;
  if (typeof rows === "string") {
    out(`  ${check.provider}: ${rows}`);
    continue;
  }
  out(`  ${check.provider}: ${rows.map((r) => `B=${r.batchSize} ${r.audioSPerS.toFixed(1)} audio s/s (x${r.ratioToOne.toFixed(2)})`).join(", ")}`);
}
Object.assign(report, { batch_scaling: scaling });
if (values.json) {
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  out(`\nJSON: ${values.json}`);
}
