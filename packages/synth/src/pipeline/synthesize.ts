import { VoxqueueError, type Lane, type TextNormalization, type TextType } from "@voxqueue/contracts";
import { silenceSamples } from "../audio.js";
import type { InferencePool, SentencePcm, VoiceHold } from "../inference/pool.js";
import type { Scales } from "../onnx-session.js";
import { prepareText, type PreparedText } from "../prepare.js";
import { resolveSpeakerId, type VoiceFiles } from "../voice.js";
import { splitAtFirstClause } from "./clause-split.js";
import { wordTimings, type TimedInput, type WordTiming } from "../timing/word-timings.js";

/** What {@link synthesize} turns into audio. */
export interface SynthesisRequest {
  text: string;
  /** How the text is read before phonemization (`prepareText`): `standard` by default, or `piper`. */
  textNormalization?: TextNormalization | undefined;
  /** `ssml` or `text`; unset: SSML when the text starts with `<speak>`. */
  textType?: TextType | undefined;
  voice: VoiceFiles;
  /** A name of the voice's `speaker_id_map` or a numeric id; null: the voice's default (multi-speaker) or none. */
  speaker: string | number | null;
  scales: Scales;
  /** Silence between sentences, seconds (Piper's CLI: 0.2). */
  sentenceSilenceSeconds: number;
  /** Time limit of the inference, ms (the pool's `timeoutMs`). */
  timeoutMs: number;
  /** Priority lane of its sentences while they wait for an inference thread (the pool's `lane`). @defaultValue "interactive" */
  lane?: Lane | undefined;
  /**
   * Split the first sentence after its first clause punctuation (`,` `;` `:`), so the
   * first audio of a stream is ready sooner; no silence is put between the two parts.
   * @defaultValue false
   */
  splitFirstClause?: boolean;
  /**
   * A text with nothing pronounceable gives no audio instead of failing `invalid_input` (a
   * long-form chunk: the whole text has something to say elsewhere).
   * @defaultValue false
   */
  allowNothingToSay?: boolean;
  /** Called once the text is prepared, before it is checked (spans, warnings about missing phonemes). */
  onPrepared?: (prepared: PreparedText) => void;
}

/** One piece of audio as it comes out of the model: a sentence (or the first sentence's first clause). */
export interface AudioChunk {
  /** Position among the chunks, from 0. */
  index: number;
  /** The sentence it belongs to, from 0 (a split first sentence gives two chunks of sentence 0). */
  sentence: number;
  /** Samples of silence that precede this chunk in the audio (the sentence gap; 0 for the first chunk and a clause's continuation). */
  silenceBefore: number;
  /** The chunk's int16 PCM, mono, at the voice's sample rate. */
  pcm: Int16Array;
  /** Offset of the chunk's first sample in the whole audio (its silence before it counted). */
  startSample: number;
  /** Phoneme ids fed to the model for this chunk. */
  phonemeIds: number;
  /** Seconds the model took for this chunk. */
  inferenceSeconds: number;
  /** Seconds from the {@link synthesize} call to this chunk's arrival. */
  readySeconds: number;
  /** Frames of each phoneme id fed to the model, when its model outputs them (word timings). */
  durations?: Float32Array;
}

/** Totals of a finished {@link Synthesis}; durations in seconds. */
export interface SynthesisSummary {
  sentences: number;
  chunks: number;
  /** Samples of the whole audio, the silence between sentences included. */
  samples: number;
  sampleRate: number;
  /** The audio's duration (the one definition: {@link audioSeconds}). */
  audioSeconds: number;
  /** Text preparation (normalise, chunk, phonemize, ids). */
  prepareSeconds: number;
  /** Preparation + inference: from the {@link synthesize} call to the last chunk. */
  synthesisSeconds: number;
  /** Real-time factor, {@link realTimeFactor}. */
  rtf: number;
  /** From the {@link synthesize} call to the first chunk. */
  firstAudioSeconds: number;
}

/** Duration of audio of `samples` samples at `sampleRate` Hz, seconds: what every report and RTF uses. */
export function audioSeconds(samples: number, sampleRate: number): number {
  return samples / sampleRate;
}

/** synthesis seconds / audio seconds (below 1: faster than real time); 0 for no audio. */
export function realTimeFactor(synthesisSeconds: number, audioSecondsValue: number): number {
  return audioSecondsValue > 0 ? synthesisSeconds / audioSecondsValue : 0;
}

/**
 * One synthesis: its text is prepared when it is made ({@link synthesize}); iterating
 * it runs the model and yields each {@link AudioChunk} as soon as the inference thread
 * has it, in order. Iterate it once. {@link summary} is complete once iteration ends.
 */
export class Synthesis implements AsyncIterable<AudioChunk> {
  readonly prepared: PreparedText;
  readonly sampleRate: number;
  readonly speakerId: number | null;
  /** Silence between sentences, samples. */
  readonly gapSamples: number;
  /** Model inputs, one per chunk, and the sentence each belongs to. */
  private readonly inputs: { ids: number[]; sentence: number; pauseSamples?: number; rate: number }[];
  private readonly startedAt: number;
  private readonly prepareSeconds: number;
  private samples = 0;
  private chunks = 0;
  private firstAt: number | null = null;
  private lastAt: number | null = null;
  private started = false;
  private readonly timed: TimedInput[] = [];
  private timingsComplete = true;

  /** @internal use {@link synthesize} */
  constructor(
    private readonly pool: InferencePool,
    private readonly request: SynthesisRequest,
  ) {
    this.startedAt = performance.now();
    const { voice } = request;
    this.prepared = prepareText(request.text, voice.config, { textNormalization: request.textNormalization, textType: request.textType });
    this.prepareSeconds = (performance.now() - this.startedAt) / 1000;
    request.onPrepared?.(this.prepared);
    if (this.prepared.sentences.length === 0 && request.allowNothingToSay !== true) {
      throw new VoxqueueError("invalid_input", "text has nothing pronounceable: no audio to produce", "text");
    }
    try {
      this.speakerId = resolveSpeakerId(voice.config, request.speaker);
    } catch (err) {
      throw new VoxqueueError("invalid_input", (err as Error).message, "speaker");
    }
    this.sampleRate = voice.config.audio.sample_rate;
    this.gapSamples = silenceSamples(request.sentenceSilenceSeconds, this.sampleRate);
    this.inputs = this.prepared.sentences.map((ids, sentence) => {
      const { pauseBeforeSeconds, rate = 1 } = this.prepared.sentenceOptions[sentence] ?? {};
      return { ids, sentence, rate, ...(pauseBeforeSeconds === undefined ? {} : { pauseSamples: silenceSamples(pauseBeforeSeconds, this.sampleRate) }) };
    });
    const parts = request.splitFirstClause && this.inputs.length > 0 ? splitAtFirstClause(this.prepared.sentences[0]!, voice.config) : null;
    if (parts) this.inputs.splice(0, 1, { ...this.inputs[0]!, ids: parts[0] }, { ids: parts[1], sentence: 0, rate: this.inputs[0]!.rate });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    if (this.started) throw new Error("a Synthesis can be iterated once");
    this.started = true;
    // Each sentence is a request of its own, and up to one per inference thread is in
    // flight: one long text keeps every thread busy (with one onnxruntime thread per
    // inference thread, every core), and the pool's queue interleaves concurrent jobs
    // sentence by sentence (by lane, oldest first within one). Chunks are yielded in order whatever order they finish in.
    // A caller that stops reading (an error, a limit) leaves at most one sentence per
    // thread to finish, unread; no further one is started.
    // Every sentence runs on the model this text was prepared for, even when the voice
    // is reloaded meanwhile (hot reload); the old model is released after the last one.
    const hold = this.pool.hold(this.request.voice);
    try {
      yield* this.runSentences(hold);
    } finally {
      hold.release();
    }
  }

  private async *runSentences(hold: VoiceHold): AsyncGenerator<AudioChunk> {
    const deadline = performance.now() + this.request.timeoutMs;
    const window = Math.max(1, this.pool.size);
    const pending: Promise<SentencePcm>[] = [];
    const issue = (i: number) => {
      const input = this.inputs[i]!;
      const run = this.pool
        .run({
          voiceId: this.request.voice.id,
          hold,
          sentences: [input.ids],
          // SSML prosody: the input's speaking rate scales its length.
          scales: { ...this.request.scales, length_scale: this.request.scales.length_scale / input.rate },
          speakerId: this.speakerId,
          // One time limit for the whole text: each sentence gets what is left of it.
          timeoutMs: Math.max(1, deadline - performance.now()),
          ...(this.request.lane ? { lane: this.request.lane } : {}),
        })
        .then((r): SentencePcm => {
          const durations = r.durations[0];
          return { index: i, pcm: r.chunks[0]!, inferenceSeconds: r.inferenceSeconds[0]!, ...(durations ? { durations } : {}) };
        });
      run.catch(() => undefined); // awaited in order below; a later one may fail while an earlier one is awaited
      pending.push(run);
    };
    for (let index = 0; index < this.inputs.length; index++) {
      while (pending.length < this.inputs.length && pending.length < index + window) issue(pending.length);
      const next = await pending[index]!;
      const now = performance.now();
      this.firstAt ??= now;
      this.lastAt = now;
      const input = this.inputs[index]!;
      const firstOfSentence = index === 0 || input.sentence !== this.inputs[index - 1]!.sentence;
      const silenceBefore = firstOfSentence && input.pauseSamples !== undefined ? input.pauseSamples : index > 0 && firstOfSentence ? this.gapSamples : 0;
      const startSample = this.samples + silenceBefore;
      this.samples = startSample + next.pcm.length;
      this.chunks++;
      if (next.durations) this.timed.push({ sentence: input.sentence, ids: input.ids, startSample, samples: next.pcm.length, durations: next.durations });
      else this.timingsComplete = false;
      yield {
        index,
        sentence: input.sentence,
        silenceBefore,
        pcm: next.pcm,
        startSample,
        phonemeIds: input.ids.length,
        inferenceSeconds: next.inferenceSeconds,
        readySeconds: (now - this.startedAt) / 1000,
        ...(next.durations ? { durations: next.durations } : {}),
      };
    }
  }

  /**
   * Word timings over the original text, once iteration has ended;
   * undefined when the voice's model has no `durations` output (or in `piper` mode, which keeps
   * no word map).
   */
  wordTimings(): WordTiming[] | undefined {
    if (!this.timingsComplete || this.timed.length === 0 || this.prepared.segments.every((s) => s.words.length === 0)) return undefined;
    const map = this.request.voice.config.phoneme_id_map;
    const space = Object.hasOwn(map, " ") ? map[" "]![0] : undefined;
    return wordTimings(this.request.text, this.prepared, this.timed, space, this.sampleRate);
  }

  /** Totals so far; complete once iteration has ended. */
  summary(): SynthesisSummary {
    const seconds = (at: number | null) => (at === null ? 0 : (at - this.startedAt) / 1000);
    const audio = audioSeconds(this.samples, this.sampleRate);
    const synthesisSeconds = seconds(this.lastAt);
    return {
      sentences: this.prepared.sentences.length,
      chunks: this.chunks,
      samples: this.samples,
      sampleRate: this.sampleRate,
      audioSeconds: audio,
      prepareSeconds: this.prepareSeconds,
      synthesisSeconds,
      rtf: realTimeFactor(synthesisSeconds, audio),
      firstAudioSeconds: seconds(this.firstAt),
    };
  }
}

/**
 * The synthesis pipeline, the one the worker, the benchmark and streaming share:
 * text → normalise → sentences → espeak phonemes → ids (now, on this thread) → the
 * model on an inference thread (when iterated) → int16 PCM per sentence, with the
 * sentence silence accounted in each chunk's `silenceBefore`.
 * @throws VoxqueueError `invalid_input` naming `text` when nothing in it is
 *   pronounceable, or `speaker` when the voice has no such speaker; espeak's errors
 * @example
 * for await (const chunk of synthesize(pool, request)) play(chunk.silenceBefore, chunk.pcm);
 */
export function synthesize(pool: InferencePool, request: SynthesisRequest): Synthesis {
  return new Synthesis(pool, request);
}
