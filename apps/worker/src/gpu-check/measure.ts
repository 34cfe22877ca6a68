import { VoiceSession, floatToInt16, prepareText, realTimeFactor, audioSeconds, type ExecutionProvider, type Scales, type VoiceFiles } from "@voxqueue/synth";

/** The texts gpu-check times: one word and one paragraph (five sentences). */
export const GPU_CHECK_TEXTS = {
  "one word": "Hello.",
  "one paragraph":
    "The queue keeps every request until a worker takes it. Each worker loads its voices once and keeps them warm. " +
    "Long texts are split into sentences, and each sentence is one run of the model. The audio goes back through Redis, " +
    "sentence by sentence. A busy fleet grows with its backlog and shrinks when the backlog is gone.",
} as const;

/** Piper's default scales; gpu-check times synthesis as jobs run it. */
export const GPU_CHECK_SCALES: Scales = { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 };

/** One text timed on one provider: medians over rounds, seconds. */
export interface TextTiming {
  text: keyof typeof GPU_CHECK_TEXTS;
  chars: number;
  sentences: number;
  /** Audio produced, seconds. */
  audioSeconds: number;
  /** Median over rounds of the inference seconds of all its sentences (one session.run each). */
  inferenceSeconds: number;
  /** inferenceSeconds / audioSeconds (below 1: faster than real time). */
  rtf: number;
}

/** One execution provider's outcome: timed, or unavailable with onnxruntime's (or our) reason. */
export type ProviderCheck =
  | { provider: ExecutionProvider; available: true; loadSeconds: number; timings: TextTiming[] }
  | { provider: ExecutionProvider; available: false; reason: string };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Loads `voice` on `provider` alone (no fallback: the CPU provider runs only what it
 * does not support), warms it up, and times each {@link GPU_CHECK_TEXTS} entry `rounds`
 * times, one `session.run` per sentence as a job does. A provider whose session does not
 * initialise is reported unavailable with the error's message, never thrown.
 * @throws only when the CPU provider itself fails (the voice is broken)
 */
export async function checkProvider(voice: VoiceFiles, provider: ExecutionProvider, rounds: number): Promise<ProviderCheck> {
  const t0 = performance.now();
  let session: VoiceSession;
  try {
    session = await VoiceSession.load(voice.onnxPath, voice.config, { executionProviders: [provider], intraOpNumThreads: 0 });
    await session.warmUp();
  } catch (err) {
    if (provider === "cpu") throw err;
    return { provider, available: false, reason: err instanceof Error ? err.message.split("\n")[0]!.slice(0, 300) : String(err) };
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  try {
    const timings: TextTiming[] = [];
    for (const [name, text] of Object.entries(GPU_CHECK_TEXTS) as [keyof typeof GPU_CHECK_TEXTS, string][]) {
      const { sentences } = prepareText(text, voice.config);
      const seconds: number[] = [];
      let samples = 0;
      for (let round = 0; round < rounds; round++) {
        samples = 0;
        const start = performance.now();
        for (const ids of sentences) samples += floatToInt16(await session.infer(ids, GPU_CHECK_SCALES, null)).length;
        seconds.push((performance.now() - start) / 1000);
      }
      const audio = audioSeconds(samples, voice.config.audio.sample_rate);
      const inference = median(seconds);
      timings.push({
        text: name,
        chars: text.length,
        sentences: sentences.length,
        audioSeconds: audio,
        inferenceSeconds: inference,
        rtf: realTimeFactor(inference, audio),
      });
    }
    return { provider, available: true, loadSeconds, timings };
  } finally {
    await session.release();
  }
}
