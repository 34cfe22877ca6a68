import type { VoicePreset } from "./presets";

export type { VoicePreset } from "./presets";

/** Progress of a forge: `step` is one of graph, weights, encode, write (or `NAME cached`). */
export interface ForgeProgress {
  step: string;
  done: number;
  total: number;
}

/** Options of `forgeVoice`. */
export interface ForgeOptions {
  /** Architecture size (Piper quality level). */
  preset: VoicePreset;
  /** > 1 makes a multi-speaker voice with a `sid` input. @defaultValue 1 */
  numSpeakers?: number;
  /** Seed of every weight and of the graph's noise nodes (uint32). @defaultValue 1234 */
  seed?: number;
  /** File stem: writes `NAME.onnx` and `NAME.onnx.json`, e.g. `en_US-voxqueue_ref-medium`. */
  name: string;
  /** Directory to write into; created when missing. */
  outDir: string;
  /** Called as work advances (weights: in parameters, about every 2%). */
  onProgress?: (p: ForgeProgress) => void;
}

/** A voice on disk. */
export interface ForgedVoice {
  name: string;
  onnxPath: string;
  configPath: string;
  /** Learned parameters in the ONNX graph (float32 initializers, constants excluded). */
  parameterCount: number;
  /** Size of the `.onnx` file, bytes. */
  bytes: number;
}
