import type { PiperVoiceConfig } from "../voice-config.js";
import type { ExecutionProvider, Scales } from "../onnx-session.js";

/** Sent once to a new inference thread: which voices to load and how. */
export interface InitMessage {
  kind: "init";
  voices: { id: string; onnxPath: string; config: PiperVoiceConfig }[];
  executionProvider: ExecutionProvider;
  intraOpNumThreads: number;
  /**
   * Shared with the pool (one Int32 on a SharedArrayBuffer): the id of a request the
   * thread should give up, checked before each sentence.
   */
  cancel: Int32Array;
}

/** One synthesis request: every sentence of one job, as phoneme ids. */
export interface RunMessage {
  kind: "run";
  requestId: number;
  voiceId: string;
  sentences: number[][];
  scales: Scales;
  speakerId: number | null;
}

export type ToThread = InitMessage | RunMessage;

/** A voice a thread could not load (or warm up): its model file and onnxruntime's message. */
export interface VoiceLoadFailure {
  id: string;
  onnxPath: string;
  message: string;
}

/**
 * The thread is ready: load and warm-up seconds per voice it loaded, and the voices it
 * could not load (the thread serves the others; requests for these fail).
 */
export interface ReadyMessage {
  kind: "ready";
  loadSeconds: Record<string, number>;
  failed: VoiceLoadFailure[];
}

/** Result of a {@link RunMessage}: int16 PCM per sentence and inference seconds per sentence. */
export interface DoneMessage {
  kind: "done";
  requestId: number;
  chunks: Int16Array[];
  inferenceSeconds: number[];
}

/** A request or the initialisation failed; `message` is onnxruntime's or ours. */
export interface FailedMessage {
  kind: "failed";
  requestId: number | null;
  message: string;
  errorName: string;
}

/** The thread gave up a request the pool had abandoned (it stopped between sentences). */
export interface CancelledMessage {
  kind: "cancelled";
  requestId: number;
}

export type FromThread = ReadyMessage | DoneMessage | FailedMessage | CancelledMessage;
