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

/** One sentence's audio: float samples, and the frames of each phoneme id where the model outputs them. */
export interface SentenceAudio {
  samples: Float32Array;
  durations?: Float32Array;
}

/** An execution provider that could not be used, with onnxruntime's message. */
export interface ProviderFailure {
  provider: ExecutionProvider;
  message: string;
}

/** Options of {@link VoiceSession.load}. */
export interface VoiceSessionOptions {
  /**
   * Execution providers to try, in order of preference: the first that initialises
   * runs the model (with the CPU provider behind it for nodes it does not support).
   * @defaultValue ["cpu"]
   */
  executionProviders?: readonly ExecutionProvider[];
  /** onnxruntime intra-op threads; 0 lets onnxruntime choose. @defaultValue 0 */
  intraOpNumThreads?: number;
  /**
   * onnxruntime's CPU memory arena (`enableCpuMemArena`). The arena keeps the peak of
   * the largest run for the session's life; off, runs were ~4x slower here (every large
   * buffer is a fresh allocation), so voxqueue keeps it on and reloads grown sessions
   * instead (`InferencePoolOptions.arenaReloadRssRatio`).
   * @defaultValue true (onnxruntime's default)
   */
  cpuMemArena?: boolean;
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
    /** The execution provider that runs this session (the first of the list that initialised). */
    readonly executionProvider: ExecutionProvider,
    /** Providers tried before it that failed to initialise, with why. */
    readonly providerFailures: readonly ProviderFailure[],
  ) {}

  /**
   * The graph can run a batch ({@link inferBatch}): it has an `output_lengths` output giving
   * each item's samples (the reference voices do). Piper's own exports output only the
   * padded audio, so a batch could not be cut back into sentences: they run one by one.
   */
  get canBatch(): boolean {
    return this.session.outputNames.includes("output_lengths");
  }

  /**
   * Loads `onnxPath` with the first execution provider of `opts.executionProviders`
   * that initialises. A provider that fails (its library or driver is missing: the
   * CUDA provider is not bundled with onnxruntime-node, WebGPU needs a GPU adapter) is
   * skipped and reported in `providerFailures`, never a crash. onnxruntime-node passes
   * only `deviceId` to the CUDA provider, so options such as `cudnn_conv_algo_search`
   * keep onnxruntime's defaults; {@link warmUp} runs a few input lengths for that reason.
   * @throws the last provider's error when none initialises; an Error when the model's
   *   inputs are not Piper's
   */
  static async load(onnxPath: string, config: PiperVoiceConfig, opts: VoiceSessionOptions = {}): Promise<VoiceSession> {
    const providers = opts.executionProviders?.length ? opts.executionProviders : (["cpu"] as const);
    const failures: ProviderFailure[] = [];
    for (const provider of providers) {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(onnxPath, {
          executionProviders: provider === "cpu" ? ["cpu"] : [provider, "cpu"],
          intraOpNumThreads: opts.intraOpNumThreads ?? 0,
          interOpNumThreads: 1,
          graphOptimizationLevel: "all",
          enableCpuMemArena: opts.cpuMemArena ?? true,
        });
      } catch (err) {
        failures.push({ provider, message: err instanceof Error ? err.message : String(err) });
        // A model that does not load on the CPU will not load anywhere: stop there.
        if (provider === "cpu" || failures.length === providers.length) throw err;
        continue;
      }
      for (const name of ["input", "input_lengths", "scales"]) {
        if (!session.inputNames.includes(name)) {
          await session.release();
          throw new Error(`${onnxPath}: not a Piper model: no input "${name}" (inputs: ${session.inputNames.join(", ")})`);
        }
      }
      return new VoiceSession(session, config, session.inputNames.includes("sid"), provider, failures);
    }
    throw new Error("unreachable: no execution provider given");
  }

  /**
   * Synthesizes one sentence.
   * @param ids phoneme ids (each < `num_symbols`), BOS/EOS included
   * @param speakerId Piper `sid`; ignored for single-speaker models, 0 when null on multi-speaker ones
   * @returns float samples (the output's last dimension), nominally in [-1, 1]
   * @throws RangeError for an id outside the voice's symbol table (it would crash the model's Gather, rhasspy/piper#124)
   */
  async infer(ids: readonly number[], scales: Scales, speakerId: number | null): Promise<Float32Array> {
    return (await this.inferWithDurations(ids, scales, speakerId)).samples;
  }

  /**
   * {@link infer}, and the frames of each phoneme id when the model has a `durations` output
   * (the reference voices; Piper voices exported with duration output), else undefined.
   */
  async inferWithDurations(ids: readonly number[], scales: Scales, speakerId: number | null): Promise<SentenceAudio> {
    this.checkIds(ids);
    const results = await this.session.run(this.feeds([ids], scales, [speakerId]));
    const data = results[this.session.outputNames[0]!]!.data as Float32Array;
    // Copy out of onnxruntime's buffer so the tensor can be released.
    const samples = new Float32Array(data);
    const durationsOut = this.session.outputNames.includes("durations") ? results.durations : undefined;
    const durations =
      durationsOut && durationsOut.data instanceof Float32Array && durationsOut.data.length === ids.length ? new Float32Array(durationsOut.data) : undefined;
    for (const t of Object.values(results)) t.dispose();
    return durations ? { samples, durations } : { samples };
  }

  /**
   * Dynamic batching: several sentences in one `session.run`, `input` [B, Tmax] padded
   * with id 0, `input_lengths` [B], `sid` [B]; each item is cut out of the padded `output`
   * by the model's `output_lengths` (see {@link canBatch}). Sentences share one `scales`.
   * With noise off, each item equals its {@link inferWithDurations} run up to float
   * rounding (packages/synth/test/batching.test.ts says how far).
   * @param speakerIds one per sentence, as in {@link infer}
   * @returns one {@link SentenceAudio} per sentence, in order
   * @throws Error when the model has no `output_lengths` output; RangeError as {@link infer}
   */
  async inferBatch(sentences: readonly (readonly number[])[], scales: Scales, speakerIds: readonly (number | null)[]): Promise<SentenceAudio[]> {
    if (!this.canBatch) throw new Error("this voice's graph has no output_lengths output: it cannot run a batch");
    for (const ids of sentences) this.checkIds(ids);
    const width = Math.max(...sentences.map((ids) => ids.length));
    const results = await this.session.run(this.feeds(sentences, scales, speakerIds));
    const output = results[this.session.outputNames[0]!]!;
    const data = output.data as Float32Array;
    // The output's last axis is time, whatever unit axes a graph puts before it.
    const rowSamples = output.dims.at(-1)!;
    const lengths = results.output_lengths!.data as BigInt64Array;
    const durationsOut =
      results.durations?.data instanceof Float32Array && results.durations.data.length === sentences.length * width ? results.durations.data : undefined;
    const items = sentences.map((ids, i): SentenceAudio => {
      const samples = data.slice(i * rowSamples, i * rowSamples + Number(lengths[i]));
      return durationsOut ? { samples, durations: durationsOut.slice(i * width, i * width + ids.length) } : { samples };
    });
    for (const t of Object.values(results)) t.dispose();
    return items;
  }

  /** @throws RangeError for an id outside the voice's symbol table (it would crash the model's Gather, rhasspy/piper#124) */
  private checkIds(ids: readonly number[]): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.num_symbols) {
        throw new RangeError(`phoneme id ${id} outside [0, ${this.config.num_symbols})`);
      }
    }
  }

  /** Piper's inputs for rows of ids (padded with 0 to the longest; one row: exactly Piper's [1, T]). */
  private feeds(rows: readonly (readonly number[])[], scales: Scales, speakerIds: readonly (number | null)[]): Record<string, ort.Tensor> {
    const width = Math.max(...rows.map((ids) => ids.length));
    const input = new BigInt64Array(rows.length * width);
    rows.forEach((ids, i) => ids.forEach((id, j) => (input[i * width + j] = BigInt(id))));
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor("int64", input, [rows.length, width]),
      input_lengths: new ort.Tensor(
        "int64",
        BigInt64Array.from(rows, (ids) => BigInt(ids.length)),
        [rows.length],
      ),
      scales: new ort.Tensor("float32", Float32Array.of(scales.noise_scale, scales.length_scale, scales.noise_w), [3]),
    };
    if (this.hasSid)
      feeds.sid = new ort.Tensor(
        "int64",
        BigInt64Array.from(speakerIds, (sid) => BigInt(sid ?? 0)),
        [rows.length],
      );
    return feeds;
  }

  /**
   * Runs short utterances so the first real job does not pay for lazy initialisation:
   * one on the CPU; on a GPU provider a few input lengths too, so per-shape kernel
   * selection (cuDNN's algorithm search) happens at start rather than in a job.
   * `typicalPhonemes` > 0 adds one run of that length, so the CPU arena holds a typical
   * sentence's working set from the start (a baseline that ordinary jobs do not exceed).
   */
  async warmUp(typicalPhonemes = 0): Promise<void> {
    const map = this.config.phoneme_id_map;
    const id = (p: string) => map[p]?.[0] ?? 0;
    const lengths = this.executionProvider === "cpu" ? [1] : [1, 8, 32, 96];
    if (typicalPhonemes > 0) lengths.push(typicalPhonemes);
    for (const n of lengths) {
      const body = Array.from({ length: n }, () => [id("a"), id("_")]).flat();
      await this.infer([id("^"), id("_"), ...body, id("$")], { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }, this.hasSid ? 0 : null);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
