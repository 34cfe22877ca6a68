import type { PiperVoiceConfig } from "../voice-config.js";
import type { ExecutionProvider, ProviderFailure, Scales } from "../onnx-session.js";

/**
 * A voice as a thread loads it: `key` names its session (one per generation of the voice's
 * files, see `VoiceGenerations`), `id` is the voice id it reports failures under.
 */
export interface ThreadVoice {
  id: string;
  key: string;
  onnxPath: string;
  config: PiperVoiceConfig;
}

/** Sent once to a new inference thread: which voices to load and how. */
export interface InitMessage {
  kind: "init";
  voices: ThreadVoice[];
  /** Execution providers to try, in order (see VoiceSession.load). */
  executionProviders: ExecutionProvider[];
  intraOpNumThreads: number;
  /** onnxruntime's CPU memory arena on or off (`VoiceSessionOptions.cpuMemArena`). */
  cpuMemArena: boolean;
  /** Reload a voice's session after a run that left process RSS above this x the thread's baseline; 0 = never. */
  arenaReloadRssRatio: number;
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
  /** The session to run: a {@link ThreadVoice} `key`. */
  voiceKey: string;
  sentences: number[][];
  scales: Scales;
  speakerId: number | null;
  /**
   * Dynamic batching: the sentences (of different requests, see `batching.ts`) run in one
   * `session.run`, sentence i with speaker `speakerIds[i]`; each still leaves as its own
   * {@link SentenceMessage}. Only sent for sessions the thread reported batchable.
   */
  batch?: { speakerIds: (number | null)[] };
}

/**
 * The process's RSS once every thread of the pool has loaded its voices: the baseline
 * of arena shrinkage. A thread's own reading at its init misses the threads that load
 * after it, which would make every later run look grown.
 */
export interface BaselineMessage {
  kind: "baseline";
  rss: number;
}

/** Hot reload: load (and warm up) one more voice session; answered by {@link LoadedMessage}. */
export interface LoadMessage {
  kind: "load";
  loadId: number;
  voice: ThreadVoice;
}

/** Hot reload: release the session `key` (no request holds it any more). */
export interface UnloadMessage {
  kind: "unload";
  key: string;
}

export type ToThread = InitMessage | RunMessage | BaselineMessage | LoadMessage | UnloadMessage;

/** A voice a thread could not load (or warm up): its model file and onnxruntime's message. */
export interface VoiceLoadFailure {
  id: string;
  onnxPath: string;
  message: string;
}

/**
 * The thread is ready: load and warm-up seconds per voice it loaded, the execution
 * provider each runs on, the sessions that can run a batch, the providers that failed to initialise on the way (one entry
 * per provider), and the voices it could not load (the thread serves the others;
 * requests for these fail).
 */
export interface ReadyMessage {
  kind: "ready";
  loadSeconds: Record<string, number>;
  executionProviders: Record<string, ExecutionProvider>;
  /** Session keys whose graph can run a batch (`VoiceSession.canBatch`). */
  batchable: string[];
  providerFailures: ProviderFailure[];
  failed: VoiceLoadFailure[];
}

/**
 * One sentence of a {@link RunMessage} is synthesized: its int16 PCM (the buffer is
 * transferred) and inference seconds. Sent as each sentence is ready, in order.
 */
export interface SentenceMessage {
  kind: "sentence";
  requestId: number;
  index: number;
  pcm: Int16Array;
  inferenceSeconds: number;
  /** Frames of each phoneme id, when the voice's model outputs them. */
  durations?: Float32Array;
}

/** Every sentence of a {@link RunMessage} has been sent ({@link SentenceMessage}). */
export interface DoneMessage {
  kind: "done";
  requestId: number;
  /** The voice's session was reloaded after the run to give back its grown CPU arena. */
  arenaReloaded: boolean;
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

/** Answer to a {@link LoadMessage}: the session is ready (`ok`), or onnxruntime's `message`. */
export type LoadedMessage =
  | {
      kind: "loaded";
      loadId: number;
      ok: true;
      executionProvider: ExecutionProvider;
      loadSeconds: number;
      providerFailures: ProviderFailure[];
      batchable: boolean;
    }
  | { kind: "loaded"; loadId: number; ok: false; message: string };

export type FromThread = ReadyMessage | SentenceMessage | DoneMessage | FailedMessage | CancelledMessage | LoadedMessage;
