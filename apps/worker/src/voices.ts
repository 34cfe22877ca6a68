import { mkdir } from "node:fs/promises";
import { discoverVoices, type VoiceFiles } from "@voxqueue/synth";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import type { Logger } from "@voxqueue/telemetry";

/**
 * Makes sure `dir` holds voices: generates voxqueue's reference voices there when
 * `reference` is on and they are missing (cached afterwards), then loads every valid
 * Piper voice in it. Progress of the generation is logged.
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
  if (voices.length === 0) {
    throw new Error(`no usable Piper voice in ${dir}: put NAME.onnx with NAME.onnx.json there, or set REFERENCE_VOICES=true`);
  }
  return voices;
}
