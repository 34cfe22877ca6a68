import { UnrecoverableError, type Job } from "bullmq";
import { ERROR_TYPES, VoxqueueError, synthJobDataSchema, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import type { AudioStore } from "@voxqueue/audio-store";
import { encodeWav, joinWithSilence, prepareText, resolveSpeakerId, silenceSamples, type InferencePool, type VoiceFiles } from "@voxqueue/synth";
import { textPreview, type Logger, type WorkerMetrics } from "@voxqueue/telemetry";
import { classifyError, jobErrorMessage } from "./classify.js";

/** What the processor needs; all I/O comes in through here. */
export interface ProcessorDeps {
  voices: ReadonlyMap<string, VoiceFiles>;
  pool: InferencePool;
  store: AudioStore;
  metrics: WorkerMetrics;
  logger: Logger;
  queueName: string;
  sentenceSilenceSeconds: number;
  jobTimeoutMs: number;
  logTextPrefixChars: number;
}

/**
 * Builds the BullMQ processor of synthesis jobs: text → phoneme ids (this thread) →
 * inference (a pool thread) → int16 PCM with sentence silence → WAV → audio store →
 * result with timings. Failures throw an Error whose message is `"<type>: ..."`;
 * non-retryable types throw BullMQ's `UnrecoverableError` so no attempt is wasted.
 */
export function createProcessor(deps: ProcessorDeps) {
  const warnedMissing = new Set<string>();

  return async function process(job: Job<SynthJobData, SynthJobResult>): Promise<SynthJobResult> {
    const startedAt = Date.now();
    const log = deps.logger.child({ job_id: job.id, attempt: job.attemptsMade + 1 });
    deps.metrics.jobsInProgress.inc({ queue: deps.queueName });
    if (job.attemptsMade === 0) deps.metrics.queueWait.observe({ queue: deps.queueName }, Math.max(0, (startedAt - job.timestamp) / 1000));
    let labels = { model: "unknown", language: "unknown" };
    try {
      const parsed = synthJobDataSchema.safeParse(job.data);
      if (!parsed.success) throw new VoxqueueError("invalid_input", `job data: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      const data = parsed.data;
      const voice = deps.voices.get(data.voice);
      if (!voice) throw new VoxqueueError("invalid_input", `voice "${data.voice}" is not installed on this worker`, "voice");
      labels = { model: voice.id, language: voice.config.language?.code ?? voice.config.espeak.voice };
      log.info({ voice: voice.id, chars: data.text.length, text: textPreview(data.text, deps.logTextPrefixChars) }, "job started");

      const t0 = performance.now();
      const prepared = prepareText(data.text, voice.config);
      for (const phoneme of prepared.missing.keys()) {
        const key = `${voice.id}\u0000${phoneme}`;
        if (!warnedMissing.has(key)) {
          warnedMissing.add(key);
          log.warn({ voice: voice.id, phoneme }, "phoneme missing from the voice's phoneme_id_map; skipped");
        }
      }
      if (prepared.sentences.length === 0) {
        throw new VoxqueueError("invalid_input", "text has nothing pronounceable: no audio to produce", "text");
      }
      let speakerId: number | null;
      try {
        speakerId = resolveSpeakerId(voice.config, data.speaker_id ?? data.speaker);
      } catch (err) {
        throw new VoxqueueError("invalid_input", (err as Error).message, "speaker");
      }
      const inference = await deps.pool.run({
        voiceId: voice.id,
        sentences: prepared.sentences,
        scales: { noise_scale: data.noise_scale, length_scale: data.length_scale, noise_w: data.noise_w },
        speakerId,
        timeoutMs: deps.jobTimeoutMs,
      });
      const synthesisSeconds = (performance.now() - t0) / 1000;

      const sampleRate = voice.config.audio.sample_rate;
      const pcm = joinWithSilence(inference.chunks, silenceSamples(deps.sentenceSilenceSeconds, sampleRate));
      const wav = encodeWav(pcm, sampleRate);
      const audioSeconds = pcm.length / sampleRate;
      let audioKey: string;
      try {
        audioKey = await deps.store.put(String(job.id), wav);
      } catch (err) {
        throw new VoxqueueError("storage_error", `could not store audio: ${(err as Error).message}`);
      }
      const result: SynthJobResult = {
        audio_key: audioKey,
        audio_bytes: wav.length,
        audio_duration_s: audioSeconds,
        synthesis_s: synthesisSeconds,
        rtf: audioSeconds > 0 ? synthesisSeconds / audioSeconds : 0,
        sample_rate: sampleRate,
        voice: voice.id,
        speaker: data.speaker,
        sentences: prepared.sentences.length,
      };
      deps.metrics.requests.inc({ status: "success", ...labels });
      deps.metrics.synthesisDuration.observe(labels, synthesisSeconds);
      deps.metrics.audioDuration.observe(labels, audioSeconds);
      deps.metrics.rtf.observe(labels, result.rtf);
      log.info({ audio_duration_s: audioSeconds, synthesis_s: synthesisSeconds, rtf: result.rtf, sentences: result.sentences }, "job completed");
      return result;
    } catch (err) {
      const type = classifyError(err);
      const message = jobErrorMessage(type, err);
      const final = !ERROR_TYPES[type].retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.metrics.errors.inc({ error_type: type });
      if (final) deps.metrics.requests.inc({ status: "error", ...labels });
      log.error({ error_type: type, err: message, final }, "job failed");
      throw ERROR_TYPES[type].retryable ? new Error(message) : new UnrecoverableError(message);
    } finally {
      deps.metrics.jobsInProgress.dec({ queue: deps.queueName });
    }
  };
}
