import type { FlowJob, JobsOptions } from "bullmq";
import { LONGFORM_JOB_NAME, SYNTH_JOB_NAME, VoxqueueError, longformChunkJobId, type SynthJobData, type VoiceInfo } from "@voxqueue/contracts";
import { isSsml, splitLongText } from "@voxqueue/synth";
import { assertAudioEstimateWithin } from "./audio-estimate.js";
import type { AppDeps } from "./types.js";

type LongformConfig = Pick<AppDeps["config"], "MAX_TEXT_CHARS" | "MAX_LONGFORM_CHARS" | "LONGFORM_CHUNK_CHARS" | "MAX_AUDIO_SECONDS">;

/**
 * The chunk texts of a job whose text is over MAX_TEXT_CHARS (a long-form job), split at
 * sentence ends with the workers' front end (`splitLongText`); null for a one-job text.
 * @throws VoxqueueError `invalid_input` naming `text_type` (SSML) or `text_normalization`
 *   (`piper`), which long-form jobs do not take; naming `text` when it has nothing to say or a
 *   chunk's audio would clearly pass MAX_AUDIO_SECONDS (one sentence too long)
 */
export async function longformChunks(
  data: Pick<SynthJobData, "text" | "text_type" | "text_normalization" | "length_scale">,
  voice: VoiceInfo,
  config: LongformConfig,
): Promise<string[] | null> {
  if (data.text.length <= config.MAX_TEXT_CHARS) return null;
  const over = `text is over MAX_TEXT_CHARS (${config.MAX_TEXT_CHARS} characters): a long-form job`;
  if (isSsml(data.text, data.text_type)) throw new VoxqueueError("invalid_input", `${over}, which takes plain text only, not SSML`, "text_type");
  if (data.text_normalization === "piper")
    throw new VoxqueueError("invalid_input", `${over}, which takes text_normalization standard only`, "text_normalization");
  const chunks = await splitLongText(
    data.text,
    { espeakVoice: voice.espeak_voice ?? voice.language.toLowerCase().replace("_", "-"), languageCode: voice.language, phonemeType: voice.phoneme_type },
    config.LONGFORM_CHUNK_CHARS,
  );
  if (chunks.length === 0) throw new VoxqueueError("invalid_input", "text has no sentence to read", "text");
  for (const chunk of chunks) assertAudioEstimateWithin([...chunk].length, data.length_scale, config.MAX_AUDIO_SECONDS);
  return chunks;
}

/**
 * The BullMQ flow of a long-form job: the parent ({@link LONGFORM_JOB_NAME}, id `id`, the
 * whole text, `longform.chunks`) stitches the audio of its children, one synthesis job per
 * chunk on the same queue, each with the job's attempts and backoff (a failed chunk retries
 * alone). A chunk that fails for good releases the parent at once (`continueParentOnFailure`),
 * which then fails with the chunk's error and removes the chunks not yet started.
 */
export function longformFlow(queueName: string, id: string, data: SynthJobData, chunks: readonly string[], opts: JobsOptions): FlowJob {
  const { jobId: _parent, ...childOpts } = opts;
  return {
    name: LONGFORM_JOB_NAME,
    queueName,
    data: { ...data, longform: { chunks: chunks.length } },
    opts: { ...opts, jobId: id },
    children: chunks.map((text, index) => ({
      name: SYNTH_JOB_NAME,
      queueName,
      data: { ...data, text, chunk: { index, total: chunks.length } },
      opts: { ...childOpts, jobId: longformChunkJobId(id, index), continueParentOnFailure: true },
    })),
  };
}
