import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import {
  ERROR_TYPES,
  LONGFORM_JOB_NAME,
  VoxqueueError,
  classifyJobError,
  encodeJobFailure,
  laneOfQueue,
  synthJobDataSchema,
  type SynthJobData,
  type SynthJobResult,
} from "@voxqueue/contracts";
import type { AudioCache, AudioPieces, AudioStore } from "@voxqueue/audio-store";
import { synthesize, wavHeader, type InferencePool, type Synthesis, type VoiceFiles, type WordTiming } from "@voxqueue/synth";
import {
  ATTR,
  SERVICE,
  SPAN,
  getTracer,
  injectTraceContext,
  textPreview,
  withTraceContext,
  type Logger,
  type Span,
  type SynthLabels,
  type TraceCarrier,
  type Tracer,
  type WorkerMetrics,
} from "@voxqueue/telemetry";
import type { AudioStreamPublisher, JobAudioStream } from "./audio-stream.js";
import { voiceLabels } from "./voices.js";
import { inJobSpan, inStage, preprocessAttributes, recordSentenceSpans, resultAttributes, voiceAttributes, type SentenceTiming } from "./job-spans.js";

/**
 * The trace context of the consumer span whose attempt completed each job, for the
 * `job completed` line that {@link createCompletionRecorder} writes after the span has
 * ended. BullMQ hands the processor and its `completed` event the same Job object; a
 * job that never gets the event (its lock was lost) is simply collected.
 */
const completedInSpan = new WeakMap<Job, TraceCarrier>();

/** What the processor needs; all I/O comes in through here. */
export interface ProcessorDeps {
  voices: ReadonlyMap<string, VoiceFiles>;
  pool: InferencePool;
  store: AudioStore;
  /** Audio cache of repeated requests; a job whose data has `cache_key` fills it. */
  cache?: AudioCache;
  metrics: WorkerMetrics;
  logger: Logger;
  queueName: string;
  sentenceSilenceSeconds: number;
  jobTimeoutMs: number;
  /** MAX_AUDIO_SECONDS: a job whose audio passes it fails `invalid_input`. */
  maxAudioSeconds: number;
  logTextPrefixChars: number;
  /** Tracer of the job's spans; default: the global provider's (`startTracing`), a no-op when tracing is off. */
  tracer?: Tracer;
  /** Publishes each chunk to the job's audio stream as it is ready (streaming clients); none: not published. */
  audioStream?: AudioStreamPublisher;
}

/**
 * Builds the BullMQ processor of synthesis jobs: text → phoneme ids (this thread) →
 * inference (a pool thread) → int16 PCM with sentence silence → WAV → audio store →
 * result with timings. Failures throw an Error whose message is `"<type>: ..."`;
 * non-retryable types throw BullMQ's `UnrecoverableError` so no attempt is wasted.
 *
 * When `signal` aborts during inference (the worker is shutting down and its grace
 * period is over), the job is moved back to the queue with its lock token and the
 * processor throws BullMQ's `WaitingError`: no attempt is spent, no error counted.
 * Success is counted by {@link createCompletionRecorder} once BullMQ has recorded it.
 *
 * Each attempt is one CONSUMER span `process <queue>` continuing the API's trace, with
 * `preprocess`, `inference` (one `inference.sentence` per sentence) and `postprocess`
 * (`encode`, `store`) below it; log lines inside carry its trace and span ids.
 */
export function createProcessor(deps: ProcessorDeps) {
  const warnedMissing = new Set<string>();
  /** Warns once per voice and phoneme the voice's map lacks. */
  const warnMissingPhonemes = (missing: ReadonlyMap<string, number>, voiceId: string, log: Logger) => {
    for (const phoneme of missing.keys()) {
      const key = `${voiceId}\u0000${phoneme}`;
      if (!warnedMissing.has(key)) {
        warnedMissing.add(key);
        log.warn({ voice: voiceId, phoneme }, "phoneme missing from the voice's phoneme_id_map; skipped");
      }
    }
  };
  const tracer = deps.tracer ?? getTracer(SERVICE.worker);

  const processInSpan = async (
    job: Job<SynthJobData, SynthJobResult>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    span: Span,
  ): Promise<SynthJobResult> => {
    const startedAt = Date.now();
    const log = deps.logger.child({ job_id: job.id, attempt: job.attemptsMade + 1 });
    deps.metrics.jobsInProgress.inc({ queue: deps.queueName });
    // Queue wait once per job: a job back from a dead or stopping worker starts again.
    if (job.attemptsMade === 0 && job.attemptsStarted <= 1)
      deps.metrics.queueWait.observe({ queue: deps.queueName, lane: laneOfQueue(deps.queueName) }, Math.max(0, (startedAt - job.timestamp) / 1000));
    let labels = { model: "unknown", language: "unknown" };
    const stream = deps.audioStream?.forJob(String(job.id), job.attemptsMade + 1);
    try {
      const parsed = synthJobDataSchema.safeParse(job.data);
      if (!parsed.success) throw new VoxqueueError("invalid_input", `job data: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      const data = parsed.data;
      const voice = deps.voices.get(data.voice);
      if (!voice) throw new VoxqueueError("invalid_input", `voice "${data.voice}" is not installed on this worker`, "voice");
      labels = synthLabels(deps.voices, voice.id);
      span.setAttributes(voiceAttributes(voice.id, labels.language, data.text.length));
      log.info({ voice: voice.id, chars: data.text.length, text: textPreview(data.text, deps.logTextPrefixChars) }, "job started");

      const synthesis = inStage(tracer, SPAN.preprocess, (stage) =>
        synthesize(deps.pool, {
          text: data.text,
          textNormalization: data.text_normalization,
          textType: data.text_type,
          voice,
          speaker: data.speaker_id ?? data.speaker,
          scales: { noise_scale: data.noise_scale, length_scale: data.length_scale, noise_w: data.noise_w },
          sentenceSilenceSeconds: deps.sentenceSilenceSeconds,
          timeoutMs: deps.jobTimeoutMs,
          // The queue's priority lane orders its sentences in the inference pool.
          lane: laneOfQueue(deps.queueName),
          splitFirstClause: data.stream === true,
          // A long-form chunk may be only what the whole text skips (the stitch adds no gap for it).
          allowNothingToSay: data.chunk !== undefined,
          onPrepared: (prepared) => {
            stage.setAttributes(preprocessAttributes(prepared));
            warnMissingPhonemes(prepared.missing, voice.id, log);
            // Before any inference: a text whose audio is clearly over the limit fails now.
            assertAudioEstimateWithin(prepared.phonemes, data.length_scale, deps.maxAudioSeconds);
          },
        }),
      );
      // Each sentence goes to the store as it arrives: the job's audio is never one buffer here.
      const pieces = deps.store.open(String(job.id));
      await inStage(tracer, SPAN.inference, async () => {
        try {
          const timings = await unlessAborted(storeAsSynthesized(synthesis, pieces, deps.store, deps.maxAudioSeconds, stream), signal);
          recordSentenceSpans(tracer, timings, synthesis.sampleRate);
        } catch (err) {
          void deps.store.discard(pieces);
          throw err;
        }
      });
      const summary = synthesis.summary();

      const { audioBytes, audioKey } = await inStage(tracer, SPAN.postprocess, async () => {
        const head = inStage(tracer, SPAN.encode, (stage) => {
          const bytes = wavHeader(summary.samples * 2, summary.sampleRate);
          stage.setAttribute(ATTR.audioBytes, bytes.length + summary.samples * 2);
          return bytes;
        });
        try {
          const audioKey = await inStage(tracer, SPAN.store, () => deps.store.commit(pieces, head));
          return { audioKey, audioBytes: pieces.bytes };
        } catch (err) {
          void deps.store.discard(pieces);
          throw new VoxqueueError("storage_error", `could not store audio: ${(err as Error).message}`);
        }
      });
      const { audioSeconds, synthesisSeconds } = summary;
      const result: SynthJobResult = {
        audio_key: audioKey,
        audio_bytes: audioBytes,
        audio_duration_s: audioSeconds,
        synthesis_s: synthesisSeconds,
        rtf: summary.rtf,
        sample_rate: summary.sampleRate,
        voice: voice.id,
        speaker: data.speaker,
        sentences: summary.sentences,
        ...wordTimingFields(synthesis.wordTimings()),
      };
      if (data.cache_key && deps.cache?.enabled) {
        const { audio_key: _own, ...cached } = result;
        // A cache that cannot be written costs the next repeat a synthesis, never this job.
        // The cache takes the WAV whole: read back from the store (bounded by MAX_AUDIO_SECONDS).
        const cache = deps.cache;
        await deps.store
          .get(String(job.id))
          .then((wav) => (wav ? cache.put(data.cache_key!, wav, cached) : false))
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not store audio in the cache"));
      }
      await stream?.end();
      span.setAttributes(resultAttributes(result));
      log.info({ audio_duration_s: audioSeconds, synthesis_s: synthesisSeconds, rtf: result.rtf, sentences: result.sentences }, "job synthesized");
      completedInSpan.set(job, injectTraceContext()); // the consumer span is the active one here
      return result;
    } catch (err) {
      if (err instanceof HandBack) throw await handBack(job, token, log);
      const type = classifyJobError(err);
      const message = encodeJobFailure(type, err);
      span.setAttribute(ATTR.errorType, type);
      const final = !ERROR_TYPES[type].retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.metrics.errors.inc({ error_type: type });
      if (final) deps.metrics.requests.inc({ status: "error", ...labels });
      log.error({ error_type: type, err: message, final }, "job failed");
      await stream?.error(message, final);
      throw ERROR_TYPES[type].retryable ? new Error(message) : new UnrecoverableError(message);
    } finally {
      deps.metrics.jobsInProgress.dec({ queue: deps.queueName });
    }
  };

  return function process(job: Job<SynthJobData, SynthJobResult>, token?: string, signal?: AbortSignal): Promise<SynthJobResult> {
    return inJobSpan(tracer, job, deps.queueName, (span) => processInSpan(job, token, signal, span));
  };
}

/**
 * Lower bound of a phoneme's duration at length_scale 1, seconds, for the estimate
 * before synthesis. Piper voices speak ~60-120 ms a phoneme; half the low end keeps the
 * estimate below the real audio, so only texts clearly over the limit fail before it.
 */
export const MIN_SECONDS_PER_PHONEME = 0.03;

/**
 * Fails `invalid_input` naming MAX_AUDIO_SECONDS when `phonemes` at `lengthScale` would
 * clearly give more audio than `maxAudioSeconds` ({@link MIN_SECONDS_PER_PHONEME}).
 */
export function assertAudioEstimateWithin(phonemes: number, lengthScale: number, maxAudioSeconds: number): void {
  const estimate = phonemes * lengthScale * MIN_SECONDS_PER_PHONEME;
  if (estimate > maxAudioSeconds) {
    throw new VoxqueueError(
      "invalid_input",
      `the audio would be at least ${Math.round(estimate)} s (${phonemes} phonemes at length_scale ${lengthScale}), over MAX_AUDIO_SECONDS (${maxAudioSeconds} s): shorten the text or lower length_scale`,
      "text",
    );
  }
}

/**
 * Appends each chunk of `synthesis` (its sentence silence, then its PCM) to `pieces` as it
 * arrives, and stops the synthesis (the thread stops at its next sentence) with
 * `invalid_input` naming MAX_AUDIO_SECONDS once the audio passes `maxAudioSeconds`.
 * Publishes each chunk to `stream` (streaming clients) once stored. Returns each chunk's
 * timing for the sentence spans.
 */
async function storeAsSynthesized(
  synthesis: Synthesis,
  pieces: AudioPieces,
  store: AudioStore,
  maxAudioSeconds: number,
  stream?: JobAudioStream,
): Promise<SentenceTiming[]> {
  const maxSamples = Math.floor(maxAudioSeconds * synthesis.sampleRate);
  const timings: SentenceTiming[] = [];
  for await (const chunk of synthesis) {
    const end = chunk.startSample + chunk.pcm.length;
    if (end > maxSamples) {
      throw new VoxqueueError(
        "invalid_input",
        `the audio passed MAX_AUDIO_SECONDS (${maxAudioSeconds} s) at sentence ${chunk.sentence + 1}: shorten the text or lower length_scale`,
        "text",
      );
    }
    // Int16Array is host-endian; every platform Node ships on is little-endian, as WAV is.
    const pcm = Buffer.from(chunk.pcm.buffer, chunk.pcm.byteOffset, chunk.pcm.byteLength);
    try {
      await store.append(pieces, chunk.silenceBefore > 0 ? [Buffer.alloc(chunk.silenceBefore * 2), pcm] : [pcm]);
    } catch (err) {
      throw new VoxqueueError("storage_error", `could not store audio: ${(err as Error).message}`);
    }
    // Streaming clients get the chunk now (a publish that fails never fails the job).
    await stream?.chunk(chunk, synthesis.sampleRate);
    timings.push({ index: chunk.index, phonemeIds: chunk.phonemeIds, inferenceSeconds: chunk.inferenceSeconds, samples: chunk.pcm.length });
  }
  return timings;
}

/** The job's signal aborted: the worker hands the job back instead of finishing it. */
class HandBack extends Error {
  override readonly name = "HandBack";
}

/** `work`, unless `signal` aborts first (then rejects with {@link HandBack}; `work` runs on, ignored). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new HandBack(String(signal.reason ?? "aborted")));
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * Moves an active job back to the queue (waiting, or prioritized) under its lock token,
 * keeping its attempts; returns the `WaitingError` that tells BullMQ the job has moved.
 * If Redis refuses (lock lost, Redis away), the job stays active without a lock and
 * BullMQ's stalled check returns it to the queue instead.
 */
async function handBack(job: Job, token: string | undefined, log: Logger): Promise<WaitingError> {
  try {
    await job.moveToWait(token);
    log.info("job handed back to the queue");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "could not hand the job back; the stalled check will return it to the queue");
  }
  return new WaitingError();
}

/** Metric labels of a job of `voiceId` (known voices: {@link voiceLabels}). */
function synthLabels(voices: ReadonlyMap<string, VoiceFiles>, voiceId: string): SynthLabels {
  const voice = voices.get(voiceId);
  return voice ? voiceLabels(voice) : { model: voiceId, language: "unknown" };
}

/**
 * Builds the listener of the BullMQ worker's `completed` event: counts the success and
 * observes the job's durations and logs `job completed`. BullMQ emits it only after the
 * job has moved to completed under this worker's lock, so a job that is processed twice
 * (its lock expired mid-job and another worker took it over) is counted once.
 */
export function createCompletionRecorder(deps: Pick<ProcessorDeps, "voices" | "metrics" | "logger">) {
  return (job: Job<SynthJobData, SynthJobResult>, result: SynthJobResult): void => {
    // A long-form job's audio was counted chunk by chunk.
    if (job.name === LONGFORM_JOB_NAME) return;
    const labels = synthLabels(deps.voices, result.voice);
    deps.metrics.requests.inc({ status: "success", ...labels });
    deps.metrics.synthesisDuration.observe(labels, result.synthesis_s);
    deps.metrics.audioDuration.observe(labels, result.audio_duration_s);
    deps.metrics.rtf.observe(labels, result.rtf);
    // After the job's span has ended: the line joins it through the context the processor
    // kept (else the job's data: the API's producer span).
    const carrier = completedInSpan.get(job) ?? job.data.trace;
    completedInSpan.delete(job);
    withTraceContext(carrier, () =>
      deps.logger.info({ job_id: job.id, attempt: job.attemptsMade, audio_duration_s: result.audio_duration_s, rtf: result.rtf }, "job completed"),
    );
  };
}

/** The result's word timings: from the model's durations, or said to be unavailable. */
function wordTimingFields(words: WordTiming[] | undefined): Pick<SynthJobResult, "word_timings" | "words"> {
  return words ? { word_timings: "model_durations", words } : { word_timings: "unavailable" };
}
