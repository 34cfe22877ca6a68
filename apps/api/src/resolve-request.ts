import { VoxqueueError, createJobRequestSchema, type JobRequest, type SynthJobData, type TextType, type VoiceInfo } from "@voxqueue/contracts";
import type { z } from "zod";
import { SsmlError, isSsml, parseSsml } from "@voxqueue/synth";
import { serviceUnavailable } from "./errors.js";

/** A name safe to repeat in an error as the field at fault. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** How many installed voices an "unknown voice" message names. */
const VOICES_LISTED = 5;

/** A `POST /v1/jobs` body parser: validates with the contracts' schema, throwing the first issue. */
export type JobRequestParser = (body: unknown) => JobRequest;

/**
 * Builds the body parser for `POST /v1/jobs`.
 * @throws VoxqueueError `invalid_input` naming the first bad field (`body` when the body itself is wrong)
 */
export function createJobRequestParser(opts: { maxTextChars: number }): JobRequestParser {
  const parse = createBodyParser(createJobRequestSchema(opts));
  return (body) => {
    const request = parse(body);
    checkSsml(request.text, request.text_type);
    return request;
  };
}

/**
 * SSML (`text_type: "ssml"`, or a text that starts with `<speak`) is parsed at submit, so a
 * malformed document is a 400 naming `text` with its line and column, and nothing is queued.
 * @throws VoxqueueError `invalid_input` naming `text`
 */
export function checkSsml(text: string, textType: TextType | undefined): void {
  if (!isSsml(text, textType)) return;
  try {
    parseSsml(text);
  } catch (err) {
    if (err instanceof SsmlError) throw new VoxqueueError("invalid_input", err.message, "text");
    throw err;
  }
}

/**
 * A body parser for a strict zod schema: the parsed body, or the first issue as a 400.
 * @throws VoxqueueError `invalid_input` naming the first bad field (`body` when the body itself is wrong)
 */
export function createBodyParser<T>(schema: z.ZodType<T>): (body: unknown) => T {
  return (body) => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    if (!issue) throw new VoxqueueError("invalid_input", "invalid request body", "body");
    if (issue.code === "unrecognized_keys") {
      // The name is the client's text: shown only when it looks like a field name.
      const key = issue.keys[0] ?? "";
      if (!FIELD_NAME.test(key)) throw new VoxqueueError("invalid_input", "the body has a field that is not one of this request's", "body");
      throw new VoxqueueError("invalid_input", `unknown field "${key}"`, key);
    }
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    const message = issue.path.length > 0 ? issue.message : "request body must be a JSON object";
    throw new VoxqueueError("invalid_input", message, field);
  };
}

/**
 * Resolves a valid request against the voice catalog into the job's data: picks the
 * voice (the request's, else `defaultVoice`, else the first by id), checks the
 * speaker, and fills unset scales from the voice's defaults.
 *
 * Speakers: `VoiceInfo.speakers` holds the names of Piper's `speaker_id_map`, not
 * their ids, so a name is passed on as `speaker` with `speaker_id: null` and the
 * worker maps it through the voice config; an integer is passed as `speaker_id`
 * (and as its string in `speaker`).
 * @throws VoxqueueError `service_unavailable` when the catalog is empty or the default voice is not installed
 * @throws VoxqueueError `invalid_input` (field `voice` or `speaker`) for an unknown voice or speaker
 */
export function resolveJobRequest(request: JobRequest, voices: readonly VoiceInfo[], opts: { defaultVoice?: string | undefined; now: number }): SynthJobData {
  if (voices.length === 0) throw serviceUnavailable("no voices are installed yet (no worker has started); retry later");
  const voice = pickVoice(request.voice, voices, opts.defaultVoice);
  const { speaker, speaker_id } = pickSpeaker(request.speaker, voice);
  return {
    text: request.text,
    voice: voice.id,
    speaker,
    speaker_id,
    length_scale: request.length_scale ?? voice.defaults.length_scale,
    noise_scale: request.noise_scale ?? voice.defaults.noise_scale,
    noise_w: request.noise_w ?? voice.defaults.noise_w,
    trace: {},
    text_normalization: request.text_normalization ?? "standard",
    ...(request.text_type ? { text_type: request.text_type } : {}),
    submitted_at: opts.now,
  };
}

/**
 * The voice a request names, else `defaultVoice`, else the first by id.
 * @throws VoxqueueError `invalid_input` (field `voice`) for an unknown voice; `service_unavailable` for a missing default
 */
export function pickVoice(requested: string | undefined, voices: readonly VoiceInfo[], defaultVoice: string | undefined): VoiceInfo {
  if (requested === undefined) {
    if (defaultVoice === undefined) return voices[0] as VoiceInfo; // non-empty, sorted by id
    const voice = voices.find((v) => v.id === defaultVoice);
    if (!voice) throw serviceUnavailable(`the default voice "${defaultVoice}" is not installed on any worker; name a voice or retry later`);
    return voice;
  }
  const voice = voices.find((v) => v.id === requested);
  if (voice) return voice;
  const listed = voices.slice(0, VOICES_LISTED).map((v) => v.id);
  const more = voices.length > listed.length ? ` and ${voices.length - listed.length} more (GET /v1/voices)` : "";
  throw new VoxqueueError("invalid_input", `unknown voice; installed: ${listed.join(", ")}${more}`, "voice");
}

function pickSpeaker(requested: string | number | null | undefined, voice: VoiceInfo): Pick<SynthJobData, "speaker" | "speaker_id"> {
  if (requested === undefined || requested === null) return { speaker: null, speaker_id: null };
  if (voice.num_speakers <= 1) throw new VoxqueueError("invalid_input", `voice "${voice.id}" has a single speaker; omit speaker`, "speaker");
  if (typeof requested === "number") {
    if (requested >= voice.num_speakers) {
      throw new VoxqueueError(
        "invalid_input",
        `speaker id ${requested} is out of range: voice "${voice.id}" has ${voice.num_speakers} speakers (0..${voice.num_speakers - 1})`,
        "speaker",
      );
    }
    return { speaker: String(requested), speaker_id: requested };
  }
  if (!voice.speakers.includes(requested)) {
    const listed = voice.speakers.slice(0, VOICES_LISTED).join(", ");
    throw new VoxqueueError("invalid_input", `unknown speaker for voice "${voice.id}"; e.g. ${listed}`, "speaker");
  }
  return { speaker: requested, speaker_id: null };
}
