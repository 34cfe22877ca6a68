import { z } from "zod";

/**
 * One installed voice as workers publish it to Redis and `GET /v1/voices` lists it.
 * `speakers` are the keys of Piper's `speaker_id_map` (empty for single-speaker voices,
 * or `["0", "1", ...]` when a multi-speaker voice has no map).
 */
export const voiceInfoSchema = z.object({
  id: z.string(),
  language: z.string(),
  sample_rate: z.number().int().positive(),
  num_speakers: z.number().int().positive(),
  speakers: z.array(z.string()),
  quality: z.string().optional(),
  /** True for voxqueue's generated reference voices (synthetic weights: not speech). */
  reference: z.boolean(),
  /** The voice's default scales (its config's `inference` block). */
  defaults: z.object({ length_scale: z.number(), noise_scale: z.number(), noise_w: z.number() }),
  /** The voice's espeak-ng voice (`espeak.voice`), for the API's text preview; absent from older workers. */
  espeak_voice: z.string().optional(),
  /** `espeak` (phonemes) or `text` (code points), Piper's `phoneme_type`; absent from older workers. */
  phoneme_type: z.enum(["espeak", "text"]).optional(),
  /** onnxruntime execution provider the publishing worker runs it on (`cpu`, `cuda`, `webgpu`). */
  execution_provider: z.string().optional(),
});
export type VoiceInfo = z.infer<typeof voiceInfoSchema>;
