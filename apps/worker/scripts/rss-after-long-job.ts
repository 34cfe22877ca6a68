/**
 * Worker memory after one long job: loads one voice into one inference thread (as a
 * worker with WORKER_CONCURRENCY=1), measures RSS when idle after warm-up, runs one long
 * job (a long text at a high length_scale, consumed chunk by chunk as the worker does),
 * then measures RSS again after the job. Prints one JSON line:
 * `{cpu_mem_arena, idle_bytes, peak_bytes, after_bytes, after_over_idle, audio_seconds, synthesis_seconds, arena_reloads}`.
 *
 *   tsx apps/worker/scripts/rss-after-long-job.ts --voices DIR [--voice ID] [--arena on|off]
 *     [--reload-ratio 1.2 (0: never)] [--chars 3000] [--length-scale 5]
 */
import { parseArgs } from "node:util";
import { InferencePool, discoverVoices, synthesize } from "@voxqueue/synth";

const { values } = parseArgs({
  options: {
    voices: { type: "string" },
    voice: { type: "string", default: "en_US-voxqueue_ref-x_low" },
    arena: { type: "string", default: "on" },
    "reload-ratio": { type: "string", default: "1.2" },
    chars: { type: "string", default: "3000" },
    "length-scale": { type: "string", default: "5" },
  },
});
if (!values.voices) throw new Error("--voices DIR is required");
const { voices } = await discoverVoices(values.voices);
const voice = voices.find((v) => v.id === values.voice);
if (!voice) throw new Error(`no voice ${values.voice} in ${values.voices}`);

const settle = async () => {
  // Let freed memory go back (GC in this thread; the inference thread's heap is small).
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  return process.memoryUsage.rss();
};

const { pool } = await InferencePool.start({
  voices: [voice],
  threads: 1,
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  cpuMemArena: values.arena === "on",
  arenaReloadRssRatio: Number(values["reload-ratio"]),
});
// Warm with a few ordinary jobs so "idle" is a worker that has served traffic.
for (let i = 0; i < 3; i++) {
  for await (const _ of synthesize(pool, {
    text: "An ordinary sentence, of ordinary length, as most jobs have.",
    voice,
    speaker: null,
    scales: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    sentenceSilenceSeconds: 0.2,
    timeoutMs: 600_000,
  }))
    void _;
}
const idle = await settle();
const sentence = "This sentence goes on and on without a stop because long texts often do ";
const text = sentence.repeat(Math.ceil(Number(values.chars) / sentence.length)).slice(0, Number(values.chars)) + ".";
let peak = process.memoryUsage.rss();
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
let samples = 0;
const t0 = performance.now();
for await (const chunk of synthesize(pool, {
  text,
  voice,
  speaker: null,
  scales: { noise_scale: 0.667, length_scale: Number(values["length-scale"]), noise_w: 0.8 },
  sentenceSilenceSeconds: 0.2,
  timeoutMs: 600_000,
})) {
  samples += chunk.silenceBefore + chunk.pcm.length;
}
const synthesisSeconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
const after = await settle();
const reloads = pool.arenaReloads;
await pool.close();
console.log(
  JSON.stringify({
    cpu_mem_arena: values.arena === "on",
    arena_reload_rss_ratio: Number(values["reload-ratio"]),
    idle_bytes: idle,
    peak_bytes: peak,
    after_bytes: after,
    after_over_idle: Math.round((after / idle) * 1000) / 1000,
    audio_seconds: samples / voice.config.audio.sample_rate,
    synthesis_seconds: Math.round(synthesisSeconds * 100) / 100,
    arena_reloads: reloads,
  }),
);
