import { VoiceSession, audioSeconds, prepareText, type ExecutionProvider, type VoiceFiles } from "@voxqueue/synth";
import { GPU_CHECK_SCALES, GPU_CHECK_TEXTS } from "./measure.js";

/** Batch sizes gpu-check compares (as BATCH_MAX_SIZE would give them). */
export const BATCH_SCALING_SIZES = [1, 2, 4, 8] as const;

/** One batch size on one provider: audio seconds per wall second, and its ratio to batch size 1. */
export interface BatchScalingRow {
  batchSize: number;
  audioSPerS: number;
  ratioToOne: number;
}

/**
 * Dynamic batching's scaling on `provider`: eight sentences (the paragraph's, cycled) run
 * in batches of 1, 2, 4 and 8 (`VoiceSession.inferBatch`, as the pool runs them with
 * BATCH_MAX_SIZE), the best of `rounds` per size after a warm-up pass.
 * @returns the rows, or why none (the graph has no per-item output lengths)
 * @throws onnxruntime's error when the provider does not initialise
 */
export async function batchScaling(voice: VoiceFiles, provider: ExecutionProvider, rounds: number): Promise<BatchScalingRow[] | string> {
  const session = await VoiceSession.load(voice.onnxPath, voice.config, { executionProviders: [provider] });
  try {
    if (!session.canBatch) return "unavailable: the voice's graph has no per-item output lengths";
    const paragraph = prepareText(GPU_CHECK_TEXTS["one paragraph"], voice.config).sentences;
    const sentences = Array.from({ length: 8 }, (_, i) => paragraph[i % paragraph.length]!);
    const pass = async (size: number) => {
      const t0 = performance.now();
      let samples = 0;
      for (let i = 0; i < sentences.length; i += size) {
        const batch = sentences.slice(i, i + size);
        for (const item of await session.inferBatch(
          batch,
          GPU_CHECK_SCALES,
          batch.map(() => 0),
        ))
          samples += item.samples.length;
      }
      return audioSeconds(samples, voice.config.audio.sample_rate) / ((performance.now() - t0) / 1000);
    };
    const best = new Map<number, number>();
    for (const size of BATCH_SCALING_SIZES) await pass(size); // warm-up: per-shape kernel choice
    for (let r = 0; r < rounds; r++) for (const size of BATCH_SCALING_SIZES) best.set(size, Math.max(best.get(size) ?? 0, await pass(size)));
    return BATCH_SCALING_SIZES.map((size) => ({ batchSize: size, audioSPerS: best.get(size)!, ratioToOne: best.get(size)! / best.get(1)! }));
  } finally {
    await session.release();
  }
}
