import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildVoiceConfig } from "./config";
import { encodeModel } from "./onnx/builder";
import { presetParams } from "./presets";
import type { ForgedVoice, ForgeOptions, VoicePreset } from "./types";
import { writeFileAtomic } from "./atomic-write";
import { buildVitsGraph } from "./vits/synthesizer";

/** Seed of the reference voices and the forge's default. */
export const DEFAULT_SEED = 1234;

/** Thrown for options the forge cannot honour (bad name, speaker count, seed, preset). */
export class ForgeOptionsError extends Error {
  override readonly name = "ForgeOptionsError";
}

/** Size of a voice without generating it. */
export interface VoicePlan {
  parameterCount: number;
  nodeCount: number;
}

/**
 * Builds the graph of a preset (no weights drawn) to report its size; cheap.
 * @throws ForgeOptionsError for an unknown preset or a bad speaker count
 */
export function planVoice(preset: VoicePreset, numSpeakers = 1): VoicePlan {
  const b = buildVitsGraph({ params: params(preset), numSpeakers: speakers(numSpeakers), seed: DEFAULT_SEED });
  return { parameterCount: b.parameterCount, nodeCount: b.nodeCount };
}

/**
 * Generates a VITS voice in Piper's format: `NAME.onnx` (Piper's inference graph with
 * deterministic weights from `seed`) and `NAME.onnx.json`. Each file is written
 * atomically (temporary file + rename), the config last, so a crash never leaves a half
 * file and a present config implies a complete model. The same options always give
 * byte-identical files.
 * @throws ForgeOptionsError for invalid options; file-system errors as they come
 */
export async function forgeVoice(opts: ForgeOptions): Promise<ForgedVoice> {
  const p = params(opts.preset);
  const numSpeakers = speakers(opts.numSpeakers ?? 1);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ForgeOptionsError(`seed must be a uint32, got ${seed}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(opts.name)) {
    throw new ForgeOptionsError(`name must be a plain file stem (letters, digits, _ . -), got "${opts.name}"`);
  }
  const progress = (step: string, done: number, total: number) => opts.onProgress?.({ step, done, total });

  progress("graph", 0, 1);
  const graph = buildVitsGraph({ params: p, numSpeakers, seed });
  progress("graph", 1, 1);
  const initializers = graph.materialize(seed, (done, total) => progress("weights", done, total));
  progress("encode", 0, 1);
  const note = "synthetic weights: audio is not speech";
  const bytes = encodeModel(
    graph.toModel(initializers, {
      graphName: "vits_infer",
      docString: `voxqueue reference voice: VITS (Piper ${p.quality}) inference graph, ${note}`,
      metadata: { "voxqueue.preset": p.preset, "voxqueue.seed": String(seed), "voxqueue.note": note },
    }),
  );
  progress("encode", 1, 1);

  const config = buildVoiceConfig({ params: p, numSpeakers, seed, parameterCount: graph.parameterCount });
  await mkdir(opts.outDir, { recursive: true });
  const onnxPath = join(opts.outDir, `${opts.name}.onnx`);
  const configPath = `${onnxPath}.json`;
  progress("write", 0, 2);
  await writeFileAtomic(onnxPath, bytes);
  progress("write", 1, 2);
  await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
  progress("write", 2, 2);
  return { name: opts.name, onnxPath, configPath, parameterCount: graph.parameterCount, bytes: bytes.length };
}

function params(preset: string) {
  try {
    return presetParams(preset);
  } catch (err) {
    throw new ForgeOptionsError((err as Error).message);
  }
}

function speakers(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ForgeOptionsError(`numSpeakers must be an integer >= 1, got ${n}`);
  return n;
}
