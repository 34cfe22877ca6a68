import { z } from "zod";

/**
 * Piper's default inference scales (rhasspy/piper `src/cpp/piper.hpp`), used when a
 * voice config has no `inference` block.
 */
export const PIPER_DEFAULT_SCALES = { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 } as const;

/** Special phonemes of Piper's id encoding (piper-phonemize `src/phoneme_ids.hpp`). */
export const BOS = "^";
export const EOS = "$";
export const PAD = "_";

const inferenceSchema = z.object({
  noise_scale: z.number().nonnegative().default(PIPER_DEFAULT_SCALES.noise_scale),
  length_scale: z.number().positive().default(PIPER_DEFAULT_SCALES.length_scale),
  noise_w: z.number().nonnegative().default(PIPER_DEFAULT_SCALES.noise_w),
});

/**
 * A Piper voice config (`NAME.onnx.json`). Required fields are those every Piper
 * runtime reads (`num_symbols`, `num_speakers`, `audio.sample_rate`, `espeak.voice`,
 * `phoneme_id_map`); the rest are optional with Piper's defaults
 * (`phoneme_type` "espeak", scales from {@link PIPER_DEFAULT_SCALES}).
 */
export const piperVoiceConfigSchema = z
  .object({
    audio: z.object({
      sample_rate: z.number().int().positive(),
      quality: z.string().optional(),
    }),
    espeak: z.object({ voice: z.string().min(1) }),
    phoneme_type: z.enum(["espeak", "text"]).default("espeak"),
    phoneme_map: z.record(z.string(), z.array(z.string())).default({}),
    phoneme_id_map: z.record(z.string(), z.array(z.number().int().nonnegative())),
    num_symbols: z.number().int().positive(),
    num_speakers: z.number().int().positive(),
    speaker_id_map: z.record(z.string(), z.number().int().nonnegative()).default({}),
    inference: inferenceSchema.default({ ...PIPER_DEFAULT_SCALES }),
    language: z.object({ code: z.string() }).loose().optional(),
    dataset: z.string().optional(),
    piper_version: z.string().optional(),
  })
  .loose()
  .superRefine((cfg, ctx) => {
    for (const special of [BOS, EOS, PAD]) {
      if (!cfg.phoneme_id_map[special]) {
        ctx.addIssue({ code: "custom", path: ["phoneme_id_map", special], message: `missing special phoneme "${special}"` });
      }
    }
    // Ids >= num_symbols crash the model's embedding Gather (rhasspy/piper#124).
    for (const [phoneme, ids] of Object.entries(cfg.phoneme_id_map)) {
      if (ids.some((id) => id >= cfg.num_symbols)) {
        ctx.addIssue({ code: "custom", path: ["phoneme_id_map", phoneme], message: `id >= num_symbols (${cfg.num_symbols})` });
      }
    }
  });

/** A parsed, validated Piper voice config. */
export type PiperVoiceConfig = z.infer<typeof piperVoiceConfigSchema>;

/** Thrown when a `.onnx.json` is not a usable Piper voice config. */
export class VoiceConfigError extends Error {
  override readonly name = "VoiceConfigError";
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

/**
 * Validates a parsed `.onnx.json` document.
 * @param json the parsed JSON document
 * @param source a name for error messages (usually the file path)
 * @throws VoiceConfigError naming the first invalid field
 */
export function parseVoiceConfig(json: unknown, source = "voice config"): PiperVoiceConfig {
  const result = piperVoiceConfigSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new VoiceConfigError(`${issue.path.join(".") || "(root)"}: ${issue.message}`, source);
  }
  return result.data;
}
