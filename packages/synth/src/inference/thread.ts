// Entry of an inference thread: owns one onnxruntime session per voice and runs
// them off the worker's main thread, whose event loop must stay free for BullMQ lock
// renewal, metrics scrapes and health checks (session.run blocks its thread).
import { parentPort } from "node:worker_threads";
import { floatToInt16 } from "../audio.js";
import { VoiceSession, type ExecutionProvider, type ProviderFailure } from "../onnx-session.js";
import type { FromThread, InitMessage, RunMessage, ThreadVoice, ToThread, VoiceLoadFailure } from "./protocol.js";

const port = parentPort;
if (!port) throw new Error("inference thread must run inside worker_threads");

/** Sessions by {@link ThreadVoice} key. */
const sessions = new Map<string, VoiceSession>();
let cancel: Int32Array<ArrayBufferLike> = new Int32Array(1);
const post = (msg: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

/** What the thread loaded, to load a voice again (arena shrinkage by reload). */
let init: InitMessage | null = null;
/** Process RSS once this thread had loaded and warmed its voices, bytes. */
let baselineRss = 0;
/** Phonemes of one extra warm-up run when arena shrinkage is on: a typical sentence, so the baseline is a working one. */
const TYPICAL_SENTENCE_PHONEMES = 150;

// One message at a time: a session being reloaded after a run is never used meanwhile.
let turn: Promise<void> = Promise.resolve();
port.on("message", (msg: ToThread) => {
  turn = turn.then(() =>
    handle(msg).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ kind: "failed", requestId: msg.kind === "run" ? msg.requestId : null, message: e.message, errorName: e.name });
    }),
  );
});

async function loadVoice(v: ThreadVoice, msg: InitMessage): Promise<VoiceSession> {
  const session = await VoiceSession.load(v.onnxPath, v.config, {
    executionProviders: msg.executionProviders,
    intraOpNumThreads: msg.intraOpNumThreads,
    cpuMemArena: msg.cpuMemArena,
  });
  try {
    await session.warmUp(msg.arenaReloadRssRatio > 0 ? TYPICAL_SENTENCE_PHONEMES : 0);
  } catch (err) {
    await session.release().catch(() => undefined);
    throw err;
  }
  return session;
}

/**
 * onnxruntime's CPU arena keeps the peak of the largest run for the session's life (a
 * long sentence at a high length_scale: RSS 12x idle, for good). When the process's RSS
 * after a run exceeds `arenaReloadRssRatio` x this thread's baseline, the voice's session
 * is released (its arena with it) and loaded again. True when it was.
 */
async function shrinkIfGrown(key: string): Promise<boolean> {
  if (!init || init.arenaReloadRssRatio <= 0 || process.memoryUsage.rss() <= baselineRss * init.arenaReloadRssRatio) return false;
  const v = init.voices.find((x) => x.key === key);
  const old = sessions.get(key);
  if (!v || !old) return false;
  sessions.delete(key);
  await old.release();
  sessions.set(key, await loadVoice(v, init));
  return true;
}

async function handle(msg: ToThread): Promise<void> {
  if (msg.kind === "baseline") {
    baselineRss = Math.max(baselineRss, msg.rss);
    return;
  }
  if (msg.kind === "load") {
    if (!init) throw new Error("internal: load before init");
    const t0 = performance.now();
    try {
      const session = await loadVoice(msg.voice, init);
      sessions.set(msg.voice.key, session);
      init.voices.push(msg.voice);
      post({
        kind: "loaded",
        loadId: msg.loadId,
        ok: true,
        executionProvider: session.executionProvider,
        loadSeconds: (performance.now() - t0) / 1000,
        providerFailures: [...session.providerFailures],
        batchable: session.canBatch,
      });
    } catch (err) {
      post({ kind: "loaded", loadId: msg.loadId, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (msg.kind === "unload") {
    const session = sessions.get(msg.key);
    sessions.delete(msg.key);
    if (init) init.voices = init.voices.filter((v) => v.key !== msg.key);
    await session?.release();
    return;
  }
  if (msg.kind === "init") {
    cancel = msg.cancel;
    const loadSeconds: Record<string, number> = {};
    const executionProviders: Record<string, ExecutionProvider> = {};
    const providerFailures = new Map<ExecutionProvider, ProviderFailure>();
    const failed: VoiceLoadFailure[] = [];
    // One voice whose model does not load (a corrupt or foreign .onnx) must not stop the
    // thread from serving the others: it is reported and left out.
    for (const v of msg.voices) {
      const t0 = performance.now();
      let session: VoiceSession;
      try {
        session = await loadVoice(v, msg);
        for (const f of session.providerFailures) if (!providerFailures.has(f.provider)) providerFailures.set(f.provider, f);
      } catch (err) {
        failed.push({ id: v.id, onnxPath: v.onnxPath, message: err instanceof Error ? err.message : String(err) });
        continue;
      }
      sessions.set(v.key, session);
      loadSeconds[v.id] = (performance.now() - t0) / 1000;
      executionProviders[v.id] = session.executionProvider;
    }
    // A copy: hot reload adds and removes voices from this thread's list.
    init = { ...msg, voices: [...msg.voices] };
    baselineRss = process.memoryUsage.rss();
    const batchable = [...sessions].filter(([, session]) => session.canBatch).map(([key]) => key);
    post({ kind: "ready", loadSeconds, executionProviders, batchable, providerFailures: [...providerFailures.values()], failed });
    return;
  }
  const session = sessions.get(msg.voiceKey);
  if (!session) throw new Error(`voice ${msg.voiceKey} is not loaded in this thread`);
  const finished = msg.batch ? await runBatch(session, msg, msg.batch.speakerIds) : await runSentences(session, msg);
  if (!finished) return; // cancelled: the pool has been told
  // Before "done": the pool counts the thread busy meanwhile, so it is never terminated
  // inside a session load (that aborts the process), and the next request waits for it.
  const arenaReloaded = await shrinkIfGrown(msg.voiceKey);
  post({ kind: "done", requestId: msg.requestId, arenaReloaded });
}

/** Sends one sentence's audio as int16 PCM (Piper normalises each sentence on its own before joining). */
function postSentence(requestId: number, index: number, audio: Float32Array, durations: Float32Array | undefined, inferenceSeconds: number): void {
  const pcm = floatToInt16(audio);
  post({ kind: "sentence", requestId, index, pcm, inferenceSeconds, ...(durations ? { durations } : {}) }, [pcm.buffer as ArrayBuffer]);
}

/**
 * Dynamic batching: every sentence in one `session.run`; each then leaves as its own
 * sentence with an equal share of the run's seconds. False when it was given up before it started.
 */
async function runBatch(session: VoiceSession, msg: RunMessage, speakerIds: (number | null)[]): Promise<boolean> {
  // Given up before it started (every request in it timed out): nothing runs.
  if (Atomics.load(cancel, 0) === msg.requestId) {
    post({ kind: "cancelled", requestId: msg.requestId });
    return false;
  }
  const t0 = performance.now();
  const items = await session.inferBatch(msg.sentences, msg.scales, speakerIds);
  const share = (performance.now() - t0) / 1000 / items.length;
  for (const [index, item] of items.entries()) postSentence(msg.requestId, index, item.samples, item.durations, share);
  return true;
}

/** One `session.run` per sentence, each sent as soon as it is ready. False when the pool gave the request up. */
async function runSentences(session: VoiceSession, msg: RunMessage): Promise<boolean> {
  for (const [index, ids] of msg.sentences.entries()) {
    // The pool gave up on this request (timeout, shutdown): stop at a sentence boundary,
    // the only place this thread can stop without aborting the process.
    if (Atomics.load(cancel, 0) === msg.requestId) {
      post({ kind: "cancelled", requestId: msg.requestId });
      return false;
    }
    const t0 = performance.now();
    const { samples, durations } = await session.inferWithDurations(ids, msg.scales, msg.speakerId);
    // Each sentence leaves as soon as it is ready: streaming callers play it meanwhile.
    postSentence(msg.requestId, index, samples, durations, (performance.now() - t0) / 1000);
  }
  return true;
}
