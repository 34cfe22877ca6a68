import type { Job } from "bullmq";
import type { SynthJobData, SynthJobResult } from "@voxqueue/contracts";
import type { AudioChunk, PreparedText } from "@voxqueue/synth";
import { ATTR, SPAN, inConsumerSpan, inSpan, recordSpans, type Span, type TimedSpan, type Tracer } from "@voxqueue/telemetry";

// Span helpers of the job processor, so that processor.ts reads as the pipeline it is.
// Names and attributes: packages/telemetry/src/trace-names.ts.

/**
 * Runs one attempt of `job` inside its CONSUMER span `process <queue>`, continuing the
 * trace the API stored in `job.data.trace` (a job without one starts a new trace).
 */
export function inJobSpan<T>(tracer: Tracer, job: Job<SynthJobData, SynthJobResult>, queue: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const carrier: unknown = (job.data as Partial<SynthJobData> | undefined)?.trace;
  return inConsumerSpan(tracer, { queue, messageId: String(job.id), carrier, attributes: { [ATTR.jobAttempt]: job.attemptsMade + 1 } }, fn);
}

/** A stage of the job (`preprocess`, `inference`, `postprocess`, `encode`, `store`) as a child of the active span. */
export function inStage<T>(tracer: Tracer, name: string, fn: (span: Span) => T): T {
  return inSpan(tracer, name, {}, fn);
}

/** Attributes of the `preprocess` span: what came out of the text. */
export function preprocessAttributes(prepared: PreparedText) {
  let missing = 0;
  for (const count of prepared.missing.values()) missing += count;
  return {
    [ATTR.sentences]: prepared.sentences.length,
    [ATTR.sentencesSkipped]: prepared.skippedSentences,
    [ATTR.phonemes]: prepared.phonemes,
    [ATTR.phonemesMissing]: missing,
  };
}

/** What a sentence span records of an audio chunk (its PCM is in the store by then). */
export type SentenceTiming = Pick<AudioChunk, "index" | "phonemeIds" | "inferenceSeconds"> & { samples: number };

/**
 * Records one `inference.sentence` span per audio chunk (a sentence, or a split first
 * sentence's clause) under the active (`inference`) span. The thread reports only how
 * long each chunk took, and runs them back to back, so the spans are laid end to end,
 * the last ending when the result arrived here; the gap before the first is the wait
 * for a free thread and the message hop.
 */
export function recordSentenceSpans(tracer: Tracer, chunks: readonly SentenceTiming[], sampleRate: number, arrivedMs = performance.now()): void {
  const spans: TimedSpan[] = [];
  let end = arrivedMs;
  for (let i = chunks.length - 1; i >= 0; i--) {
    const chunk = chunks[i]!;
    const start = end - chunk.inferenceSeconds * 1000;
    spans.unshift({
      startMs: start,
      endMs: end,
      attributes: {
        [ATTR.sentenceIndex]: chunk.index,
        [ATTR.phonemeIds]: chunk.phonemeIds,
        [ATTR.inferenceSeconds]: chunk.inferenceSeconds,
        [ATTR.audioSeconds]: chunk.samples / sampleRate,
      },
    });
    end = start;
  }
  recordSpans(tracer, SPAN.inferenceSentence, spans);
}

/** Attributes of the consumer span once the job has its result. */
export function resultAttributes(result: SynthJobResult) {
  return {
    [ATTR.sentences]: result.sentences,
    [ATTR.audioSeconds]: result.audio_duration_s,
    [ATTR.synthesisSeconds]: result.synthesis_s,
    [ATTR.audioBytes]: result.audio_bytes,
    [ATTR.rtf]: result.rtf,
  };
}

/** Attributes of the consumer span once the job's voice is known. */
export function voiceAttributes(voiceId: string, language: string, textChars: number) {
  return { [ATTR.voice]: voiceId, [ATTR.language]: language, [ATTR.textChars]: textChars };
}
