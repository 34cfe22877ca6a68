import { OPENAI_SPEECH_MODELS, OPENAI_VOICES, VOICE_QUALITIES, VoxqueueError, type VoiceInfo } from "@voxqueue/contracts";

/** An installed voice and, for a multi-speaker voice, one of its speakers (a name of its map, or an id). */
export interface VoiceChoice {
  voice: string;
  speaker?: string;
}

/**
 * Parses `OPENAI_VOICE_MAP`: `name=voice[:speaker]` pairs, comma-separated
 * (`alloy=en_US-lessac-medium,echo=en_US-libritts_r-medium:12`).
 * @throws Error naming the malformed entry
 */
export function parseVoiceMap(setting: string): Map<string, VoiceChoice> {
  const map = new Map<string, VoiceChoice>();
  for (const entry of setting
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([^=\s]+)=([^:\s]+)(?::(\S+))?$/.exec(entry);
    if (!m) throw new Error(`OPENAI_VOICE_MAP: "${entry}" is not name=voice or name=voice:speaker`);
    map.set(m[1]!, m[3] === undefined ? { voice: m[2]! } : { voice: m[2]!, speaker: m[3] });
  }
  return map;
}

/** Rank of a voice's quality (its catalog `quality`, else its id's last part); unknown ones rank as medium. */
function qualityRank(v: VoiceInfo): number {
  const rank = VOICE_QUALITIES.indexOf((v.quality ?? v.id.split("-").at(-1) ?? "") as (typeof VOICE_QUALITIES)[number]);
  return rank >= 0 ? rank : VOICE_QUALITIES.indexOf("medium");
}

/**
 * The (voice, speaker) pairs a model's OpenAI voice names take, in order: the installed
 * voices of the model's quality (`tts-1`: the lowest installed; the others: the highest),
 * by id, each single-speaker voice once and each multi-speaker voice once per speaker.
 */
export function modelVoicePairs(model: keyof typeof OPENAI_SPEECH_MODELS, voices: readonly VoiceInfo[]): VoiceChoice[] {
  const ranks = voices.map(qualityRank);
  const wanted = OPENAI_SPEECH_MODELS[model] === "fastest" ? Math.min(...ranks) : Math.max(...ranks);
  return voices
    .filter((_, i) => ranks[i] === wanted)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .flatMap((v) => (v.num_speakers > 1 ? v.speakers.map((speaker) => ({ voice: v.id, speaker })) : [{ voice: v.id }]));
}

/**
 * Maps OpenAI's `model` and `voice` onto an installed voice and speaker:
 * - `model` must be one of {@link OPENAI_SPEECH_MODELS} (400 naming `model` otherwise);
 * - an installed voice id as `voice` is used as is (any model);
 * - a name in `OPENAI_VOICE_MAP` takes its configured voice and speaker;
 * - an OpenAI voice name takes the pair of its position in {@link OPENAI_VOICES} among
 *   {@link modelVoicePairs} (round again when there are fewer pairs than names);
 * - anything else is a 400 naming `voice`.
 * @throws VoxqueueError `invalid_input` naming `model` or `voice`; `service_unavailable` when no voice is installed
 */
export function resolveSpeechVoice(model: string, voice: string, voices: readonly VoiceInfo[], overrides: ReadonlyMap<string, VoiceChoice>): VoiceChoice {
  if (!Object.hasOwn(OPENAI_SPEECH_MODELS, model)) {
    throw new VoxqueueError("invalid_input", `unknown model; use one of ${Object.keys(OPENAI_SPEECH_MODELS).join(", ")} (GET /v1/models)`, "model");
  }
  if (voices.length === 0) throw new VoxqueueError("service_unavailable", "no voices are installed yet (no worker has started); retry later");
  if (voices.some((v) => v.id === voice)) return { voice };
  const configured = overrides.get(voice);
  if (configured) return configured;
  const position = (OPENAI_VOICES as readonly string[]).indexOf(voice);
  if (position < 0) {
    throw new VoxqueueError(
      "invalid_input",
      `unknown voice; use an OpenAI voice name (${OPENAI_VOICES.join(", ")}) or an installed voice id (GET /v1/voices)`,
      "voice",
    );
  }
  const pairs = modelVoicePairs(model as keyof typeof OPENAI_SPEECH_MODELS, voices);
  return pairs[position % pairs.length]!;
}
