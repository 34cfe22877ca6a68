import { mkdir } from "node:fs/promises";
import { EspeakError, discoverVoices, espeakInfo, phonemize, voiceLanguage, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
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

/**
 * Makes sure `dir` holds voices: generates voxqueue's reference voices there when
 * `reference` is on and they are missing (cached afterwards), then loads every valid
 * Piper voice in it. Progress of the generation is logged. Each espeak voice is tried
 * once, so a missing libespeak-ng stops the worker at start with what to install
 * (rather than failing every job), and a voice whose `espeak.voice` this espeak-ng
 * does not know is skipped with a warning.
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 * @throws when no usable voice is found
 */
export async function loadVoices(dir: string, reference: boolean, logger: Logger): Promise<VoiceFiles[]> {
  await mkdir(dir, { recursive: true });
  if (reference) {
    let lastStep = "";
    const forged = await ensureReferenceVoices(dir, {
      onProgress: (p) => {
        if (p.step !== lastStep || p.done === p.total) {
          lastStep = p.step;
          logger.info({ step: p.step, done: p.done, total: p.total }, "generating reference voice");
        }
      },
    });
    for (const v of forged) logger.info({ voice: v.name, parameters: v.parameterCount, bytes: v.bytes }, "reference voice ready (synthetic weights: not speech)");
  }
  const { voices, problems } = await discoverVoices(dir);
  for (const problem of problems) logger.warn({ problem }, "voice skipped");
  const usable = voices.filter((voice) => {
    const unknown = espeakLacks(voice);
    if (unknown) logger.warn({ voice: voice.id, espeak_voice: voice.config.espeak.voice, err: unknown }, "voice skipped: espeak-ng does not know its language");
    return !unknown;
  });
  if (usable.length > 0 && voices.some((v) => v.config.phoneme_type !== "text")) logger.info(espeakInfo(), "espeak-ng loaded");
  if (usable.length === 0) {
    throw new Error(`no usable Piper voice in ${dir}: put NAME.onnx with NAME.onnx.json there, or set REFERENCE_VOICES=true`);
  }
  return usable;
}
