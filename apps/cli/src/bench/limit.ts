import { availableParallelism } from "node:os";
import type { VoiceFiles } from "@voxqueue/synth";
import { EngineSet, type EngineInit, type EngineKind, type SherpaFiles } from "./engines.js";
import { interleave, ratioSpread, spread, type Spread } from "./stats.js";

/** One engine configuration: `sessions` threads × `intraOpThreads` onnxruntime threads each. */
export interface EngineConfig {
  engine: EngineKind;
  sessions: number;
  intraOpThreads: number;
}

/** "ort 2x1". */
export const configLabel = (c: EngineConfig) => `${c.engine} ${c.sessions}x${c.intraOpThreads}`;

/** The configurations of measure (1) and (6): 1 × 1, 1 × cores, cores × 1 (on two cores: 1×1, 1×2, 2×1). */
export function engineConfigs(engine: EngineKind, cores = availableParallelism()): EngineConfig[] {
  const n = Math.max(2, cores);
  return [
    { engine, sessions: 1, intraOpThreads: 1 },
    { engine, sessions: 1, intraOpThreads: n },
    { engine, sessions: n, intraOpThreads: 1 },
  ];
}

/** The report row of one configuration. */
export interface EngineRow {
  engine: "onnxruntime-node" | "sherpa-onnx-node";
  sessions: number;
  intra_op_threads: number;
  /** Audio seconds per wall second over the corpus, per round. */
  audio_s_per_s: Spread;
  /** Round by round, this configuration over the best bare onnxruntime-node one. */
  ratio_to_limit: Spread;
}

/** What the corpus is, for the engines. */
export interface CorpusInput {
  voice: VoiceFiles;
  /** Phoneme ids per sentence (what the worker feeds onnxruntime). */
  ids: number[][];
  /** The same sentences as text (sherpa-onnx phonemizes itself). */
  texts: string[];
  sherpa: SherpaFiles | null;
}

/** Starts one configuration's threads. */
function startEngine(input: CorpusInput, c: EngineConfig): Promise<EngineSet> {
  const { noise_scale, length_scale, noise_w } = input.voice.config.inference;
  const init: EngineInit = {
    kind: c.engine,
    modelPath: input.voice.onnxPath,
    intraOpThreads: c.intraOpThreads,
    scales: [noise_scale, length_scale, noise_w],
    ids: input.ids,
    texts: input.texts,
    ...(input.sherpa ? { sherpa: input.sherpa } : {}),
  };
  return EngineSet.start(init, c.sessions, input.voice.config.audio.sample_rate);
}

/**
 * Measures (1) and (6): every configuration synthesizes the whole corpus once per
 * round, interleaved. The limit is the bare onnxruntime-node configuration with the
 * best median; every row's ratio is taken against it round by round.
 * @returns the rows, the limit's label and per-round values, and the engine sets still
 *   running (the caller keeps using the limit's and closes them all)
 */
export async function measureLimit(
  input: CorpusInput,
  configs: readonly EngineConfig[],
  rounds: number,
  log: (line: string) => void,
): Promise<{ rows: EngineRow[]; limit: EngineConfig; sets: Map<string, EngineSet> }> {
  const sets = new Map<string, EngineSet>();
  for (const c of configs) {
    log(`limit: loading ${configLabel(c)}`);
    sets.set(configLabel(c), await startEngine(input, c));
  }
  const order = input.ids.map((_, i) => i);
  const measures = Object.fromEntries(configs.map((c) => [configLabel(c), async () => (await sets.get(configLabel(c))!.run(order)).audioPerSecond]));
  const values = await interleave(rounds, measures, (r) => log(`limit and native peer: round ${r + 1}/${rounds}`));
  const ort = configs.filter((c) => c.engine === "ort");
  const limit = ort.reduce((best, c) => (spread(values[configLabel(c)]!).median > spread(values[configLabel(best)]!).median ? c : best), ort[0]!);
  const rows = configs.map((c) => ({
    engine: c.engine === "ort" ? ("onnxruntime-node" as const) : ("sherpa-onnx-node" as const),
    sessions: c.sessions,
    intra_op_threads: c.intraOpThreads,
    audio_s_per_s: spread(values[configLabel(c)]!),
    ratio_to_limit: ratioSpread(values[configLabel(c)]!, values[configLabel(limit)]!),
  }));
  return { rows, limit, sets };
}
