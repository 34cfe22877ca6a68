import { UnrecoverableError, type Job } from "bullmq";
import {
  ERROR_TYPES,
  VoxqueueError,
  classifyJobError,
  decodeJobFailure,
  encodeJobFailure,
  longformChunkIndex,
  synthJobResultSchema,
  type SynthJobData,
  type SynthJobResult,
} from "@voxqueue/contracts";
import type { AudioStore } from "@voxqueue/audio-store";
import { audioSeconds, realTimeFactor, silenceSamples, wavHeader } from "@voxqueue/synth";
import type { Logger } from "@voxqueue/telemetry";

/** What the stitch processor needs. */
export interface StitchDeps {
  store: AudioStore;
  logger: Logger;
  /** Silence between sentences, seconds: the same setting the chunk jobs used inside each chunk. */
  sentenceSilenceSeconds: number;
}

/** One chunk's result, in its place. */
interface ChunkResult {
  index: number;
  jobId: string;
  result: SynthJobResult;
}

/**
 * Builds the processor of a long-form job's parent (`LONGFORM_JOB_NAME`), which BullMQ runs
 * once every chunk job has completed, or as soon as one has failed for good.
 *
 * A failed chunk fails the job with the chunk's error (retried never: the chunk had its
 * attempts), after removing the chunks not yet started. Otherwise the chunks' PCM is copied
 * in order into the job's audio, with the sentence silence between chunks (as inside one job:
 * none before the first sentence, one gap between two sentences, none for a chunk with nothing
 * to say), a batch of pieces at a time from Redis list to Redis list; the WAV header, written
 * last from the bytes copied, goes in front when the audio is committed. The chunks' audio is
 * then deleted. The result adds up the chunks' synthesis time and sentences; long-form jobs
 * carry no word timings.
 * @throws Error "storage_error: ..." (retried) when Redis fails or a chunk's audio is gone;
 *   UnrecoverableError with the chunk's error when a chunk failed
 */
export function createStitchProcessor(deps: StitchDeps) {
  return async function stitch(job: Job<SynthJobData, SynthJobResult>): Promise<SynthJobResult> {
    const log = deps.logger.child({ job_id: job.id, attempt: job.attemptsMade + 1 });
    const total = job.data.longform?.chunks ?? 0;
    const failures = Object.entries(await job.getIgnoredChildrenFailures());
    if (failures.length > 0) {
      const [key, reason] = failures[0]!;
      await job.removeUnprocessedChildren().catch((err: Error) => log.warn({ err: err.message }, "could not remove the chunks not yet started"));
      const failure = decodeJobFailure(reason);
      const message = `chunk ${(longformChunkIndex(key) ?? -1) + 1} of ${total}: ${failure.message}`;
      log.error({ error_type: failure.type, err: message }, "long-form job failed");
      throw new UnrecoverableError(encodeJobFailure(failure.type, message));
    }
    try {
      const chunks = await chunkResults(job, total);
      const rate = chunks[0]!.result.sample_rate;
      const gap = Buffer.alloc(silenceSamples(deps.sentenceSilenceSeconds, rate) * 2);
      const pieces = deps.store.open(String(job.id));
      try {
        for (const { jobId, result } of chunks) {
          if (result.audio_duration_s === 0) continue; // nothing said: no sentence, no gap
          if (pieces.bytes > 0) await deps.store.append(pieces, [gap]);
          const copied = await deps.store.appendPcmOf(jobId, pieces);
          if (copied === null) throw new VoxqueueError("storage_error", `the audio of chunk job ${jobId} is gone (expired, or Redis lost it)`);
        }
        if (pieces.bytes === 0) throw new VoxqueueError("invalid_input", "text has nothing pronounceable: no audio to produce", "text");
        const pcmBytes = pieces.bytes;
        const audioKey = await deps.store.commit(pieces, wavHeader(pcmBytes, rate));
        await Promise.all(chunks.map((c) => deps.store.remove(c.jobId)));
        const audio = audioSeconds(pcmBytes / 2, rate);
        const synthesis = chunks.reduce((sum, c) => sum + c.result.synthesis_s, 0);
        const first = chunks[0]!.result;
        log.info({ chunks: chunks.length, audio_duration_s: audio, synthesis_s: synthesis }, "long-form job stitched");
        return {
          audio_key: audioKey,
          audio_bytes: pieces.bytes,
          audio_duration_s: audio,
          synthesis_s: synthesis,
          rtf: realTimeFactor(synthesis, audio),
          sample_rate: rate,
          voice: first.voice,
          speaker: first.speaker,
          sentences: chunks.reduce((sum, c) => sum + c.result.sentences, 0),
        };
      } catch (err) {
        void deps.store.discard(pieces);
        throw err;
      }
    } catch (err) {
      const type = classifyJobError(err);
      const message = encodeJobFailure(type, err);
      log.error({ error_type: type, err: message }, "long-form stitch failed");
      throw ERROR_TYPES[type].retryable ? new Error(message) : new UnrecoverableError(message);
    }
  };
}

/**
 * The results of a long-form job's `total` chunks in order (BullMQ's children values, keyed by
 * the chunk jobs' keys, which end with their index).
 * @throws VoxqueueError `internal` when a chunk's result is missing or not a `SynthJobResult`
 */
async function chunkResults(job: Job, total: number): Promise<ChunkResult[]> {
  const values = await job.getChildrenValues<unknown>();
  const chunks: (ChunkResult | undefined)[] = new Array<ChunkResult | undefined>(total);
  for (const [key, value] of Object.entries(values)) {
    const index = longformChunkIndex(key);
    const parsed = synthJobResultSchema.safeParse(value);
    if (index === null || index >= total || !parsed.success) throw new VoxqueueError("internal", `long-form job ${job.id}: unexpected child ${key}`);
    chunks[index] = { index, jobId: key.slice(key.lastIndexOf(":") + 1), result: parsed.data };
  }
  const missing = chunks.findIndex((c) => c === undefined);
  if (missing >= 0 || chunks.length === 0) throw new VoxqueueError("internal", `long-form job ${job.id}: chunk ${missing + 1} of ${total} has no result`);
  return chunks as ChunkResult[];
}
