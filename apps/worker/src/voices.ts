import { EspeakError, discoverVoices, espeakInfo, phonemize, voiceLanguage, type VoiceFiles } from "@voxqueue/synth";
import type { Logger, SynthLabels } from "@voxqueue/telemetry";

/** Metric labels of a voice's jobs: `model` is the voice id, `language` its code (see `voiceLanguage`). */
export function voiceLabels(voice: VoiceFiles): SynthLabels {
  return { model: voice.id, language: voiceLanguage(voice.config) };
}

/**
 * With `BATCH_MAX_SIZE` > 1: says once, as the voice loads, that its sentences run one by
 * one (its graph outputs only padded audio, as Piper's exports do, so a batch could not be
 * cut back into sentences).
 */
export function warnNoBatching(logger: Logger, voiceId: string): void {
  logger.warn({ voice: voiceId }, `voice ${voiceId}: dynamic batching unavailable, graph has no per-item output lengths`);
}

/**
 * Why espeak-ng cannot phonemize for `voice` (its `espeak.voice` is unknown), or null
 * when it can (or the voice reads text, not phonemes).
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 */
export function espeakLacks(voice: VoiceFiles): string | null {
  if (voice.config.phoneme_type === "text") return null;
  try {
    phonemize("test", voice.config.espeak.voice);
    return null;
  } catch (err) {
    if (!(err instanceof EspeakError)) throw err;
    return err.message;
  }
}

/** Thrown by {@link loadVoices} when VOICES_DIR holds no voice the worker can serve. */
export class NoVoicesError extends Error {
  override readonly name = "NoVoicesError";
  constructor(readonly dir: string) {
    super(
      `no usable Piper voice in VOICES_DIR (${dir}): generate the reference voices with \`pnpm voices --out ${dir}\`, or put NAME.onnx with NAME.onnx.json there (the worker does not generate voices)`,
    );
  }
}

/**
 * Loads every valid Piper voice in `dir` (VOICES_DIR). The worker only loads voices:
 * voxqueue's reference voices are generated beforehand by `pnpm voices` (voice-forge's
 * CLI), which `pnpm start`, `pnpm demo`, the image build and the Kubernetes init
 * container run. Each espeak voice is tried once, so a missing libespeak-ng stops the
 * worker at start with what to install (rather than failing every job), and a voice
 * whose `espeak.voice` this espeak-ng does not know is skipped with a warning.
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 * @throws NoVoicesError when `dir` is missing or holds no usable voice (the worker exits 1)
 */
export async function loadVoices(dir: string, logger: Logger): Promise<VoiceFiles[]> {
  const found = await discoverVoices(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NoVoicesError(dir);
    throw err;
  });
  const { voices, problems } = found;
  for (const problem of problems) logger.warn({ problem }, "voice skipped");
  const usable = voices.filter((voice) => {
    const unknown = espeakLacks(voice);
    if (unknown) logger.warn({ voice: voice.id, espeak_voice: voice.config.espeak.voice, err: unknown }, "voice skipped: espeak-ng does not know its language");
    return !unknown;
  });
  if (usable.length > 0 && voices.some((v) => v.config.phoneme_type !== "text")) logger.info(espeakInfo(), "espeak-ng loaded");
  if (usable.length === 0) throw new NoVoicesError(dir);
  return usable;
}
