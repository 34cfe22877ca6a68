import * as ort from "onnxruntime-node";
import type { PiperVoiceConfig } from "./voice-config.js";

/** onnxruntime execution providers voxqueue can ask for; `cpu` is bundled with onnxruntime-node. */
export type ExecutionProvider = "cpu" | "cuda" | "webgpu";

/** Piper's three synthesis scales (fed as the `scales` input in this order: noise_scale, length_scale, noise_w). */
export interface Scales {
  noise_scale: number;
  length_scale: number;
  noise_w: number;
}

/** Options of {@link VoiceSession.load}. */
export interface VoiceSessionOptions {
  /** @defaultValue "cpu" */
  executionProvider?: ExecutionProvider;
  /** onnxruntime intra-op threads; 0 lets onnxruntime choose. @defaultValue 0 */
  intraOpNumThreads?: number;
}

/**
 * One onnxruntime session of a Piper voice. Inputs follow Piper's export
 * (rhasspy/piper `export_onnx.py`): `input` int64 [1,T] phoneme ids, `input_lengths`
 * int64 [1], `scales` float32 [3], and `sid` int64 [1] only when the model has it.
 * `session.run` is native and blocks the calling thread: call it from an inference
 * thread, never from a process's main thread.
 */
export class VoiceSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: PiperVoiceConfig,
    /** True when the model takes a `sid` input (multi-speaker). */
    readonly hasSid: boolean,
  ) {}

  /**
   * Loads `onnxPath` with the given execution provider (the CPU provider is always
   * appended as fallback).
   * @throws onnxruntime's error when the file is not a loadable model, or when the
   *   model's inputs are not Piper's
   */
  static async load(onnxPath: string, config: PiperVoiceConfig, opts: VoiceSessionOptions = {}): Promise<VoiceSession> {
    const ep = opts.executionProvider ?? "cpu";
    const session = await ort.InferenceSession.create(onnxPath, {
      executionProviders: ep === "cpu" ? ["cpu"] : [ep, "cpu"],
      intraOpNumThreads: opts.intraOpNumThreads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    for (const name of ["input", "input_lengths", "scales"]) {
      if (!session.inputNames.includes(name)) {
        throw new Error(`${onnxPath}: not a Piper model: no input "${name}" (inputs: ${session.inputNames.join(", ")})`);
      }
    }
    return new VoiceSession(session, config, session.inputNames.includes("sid"));
  }

  /**
   * Synthesizes one sentence.
   * @param ids phoneme ids (each < `num_symbols`), BOS/EOS included
   * @param speakerId Piper `sid`; ignored for single-speaker models, 0 when null on multi-speaker ones
   * @returns float samples (the output's last dimension), nominally in [-1, 1]
   * @throws RangeError for an id outside the voice's symbol table (it would crash the model's Gather, rhasspy/piper#124)
   */
  async infer(ids: readonly number[], scales: Scales, speakerId: number | null): Promise<Float32Array> {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.num_symbols) {
        throw new RangeError(`phoneme id ${id} outside [0, ${this.config.num_symbols})`);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor("int64", BigInt64Array.of(BigInt(ids.length)), [1]),
      scales: new ort.Tensor("float32", Float32Array.of(scales.noise_scale, scales.length_scale, scales.noise_w), [3]),
    };
    if (this.hasSid) feeds.sid = new ort.Tensor("int64", BigInt64Array.of(BigInt(speakerId ?? 0)), [1]);
    const results = await this.session.run(feeds);
    const output = results[this.session.outputNames[0]!]!;
    const data = output.data as Float32Array;
    // Copy out of onnxruntime's buffer so the tensor can be released.
    const samples = new Float32Array(data);
    for (const t of Object.values(results)) t.dispose();
    return samples;
  }

  /** Runs one short utterance so the first real job does not pay for lazy initialisation. */
  async warmUp(): Promise<void> {
    const map = this.config.phoneme_id_map;
    const id = (p: string) => map[p]?.[0] ?? 0;
    const ids = [id("^"), id("_"), id("a"), id("_"), id("$")];
    await this.infer(ids, { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }, this.hasSid ? 0 : null);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
