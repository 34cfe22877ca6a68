import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { VoiceFiles } from "@voxqueue/synth";

/** Which engine a benchmark thread runs. */
export type EngineKind = "ort" | "sherpa";

/** Where sherpa-onnx-node finds a Piper voice: the model with its metadata, tokens and espeak-ng data. */
export interface SherpaFiles {
  modelPath: string;
  tokensPath: string;
  espeakDataDir: string;
}

/** The `workerData` of an engine thread. */
export interface EngineInit {
  kind: EngineKind;
  modelPath: string;
  intraOpThreads: number;
  /** noise_scale, length_scale, noise_w (the voice's defaults). */
  scales: [number, number, number];
  /** Phoneme ids per item (ort). */
  ids: number[][];
  /** Text per item (sherpa: it phonemizes itself). */
  texts: string[];
  sherpa?: SherpaFiles;
}

/** One run request: items `order[0..count)` handed out through the shared `counter`. */
export interface EngineRun {
  kind: "run";
  counter: SharedArrayBuffer;
  order: number[];
  count: number;
}

/** What an engine thread answers. */
export type EngineReply = { kind: "ready" } | { kind: "done"; samples: number; items: number; busySeconds: number } | { kind: "failed"; message: string };

/** One timed pass over some items. */
export interface EngineRunResult {
  audioSeconds: number;
  wallSeconds: number;
  /** Audio seconds per wall second. */
  audioPerSecond: number;
}

const THREAD_URL = new URL("./engine-thread.ts", import.meta.url).href;
const BOOTSTRAP = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL)}); })`;

/**
 * `threads` benchmark threads of one engine, each with `intraOpThreads` onnxruntime
 * threads, sharing a list of items (sentences). "1 × 2" is one thread whose session
 * uses two cores; "2 × 1" is two single-threaded sessions taking sentences in turn.
 */
export class EngineSet {
  private constructor(
    private readonly workers: Worker[],
    private readonly sampleRate: number,
    readonly label: string,
  ) {}

  /** Starts the threads; resolves once each has loaded its model and run one item. */
  static async start(init: EngineInit, threads: number, sampleRate: number): Promise<EngineSet> {
    const workers = Array.from({ length: threads }, () => new Worker(BOOTSTRAP, { eval: true, workerData: init }));
    const set = new EngineSet(workers, sampleRate, `${init.kind} ${threads}x${init.intraOpThreads}`);
    try {
      await Promise.all(workers.map((w) => reply(w)));
    } catch (err) {
      await set.close();
      throw err;
    }
    return set;
  }

  /** Synthesizes `order` (item indices) once across the threads; audio seconds per wall second. */
  async run(order: readonly number[]): Promise<EngineRunResult> {
    const counter = new SharedArrayBuffer(4);
    const t0 = performance.now();
    const done = this.workers.map((w) => reply(w));
    for (const w of this.workers) w.postMessage({ kind: "run", counter, order: [...order], count: order.length } satisfies EngineRun);
    const replies = await Promise.all(done);
    const wallSeconds = (performance.now() - t0) / 1000;
    const audioSeconds = replies.reduce((n, r) => n + (r.kind === "done" ? r.samples : 0), 0) / this.sampleRate;
    return { audioSeconds, wallSeconds, audioPerSecond: audioSeconds / wallSeconds };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The thread's next reply; rejects on a failure reply, an error or an exit. */
function reply(worker: Worker): Promise<Extract<EngineReply, { kind: "ready" | "done" }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (msg: EngineReply) => {
      cleanup();
      if (msg.kind === "failed") reject(new Error(`benchmark thread: ${msg.message}`));
      else resolve(msg);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`benchmark thread exited (${code})`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/** Appends one protobuf length-delimited field (wire type 2). */
function field(tag: number, bytes: Buffer): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((tag << 3) | 2), varint(bytes.length), bytes]);
}

/**
 * Writes a copy of a Piper voice that sherpa-onnx-node loads: the `.onnx` with the
 * metadata sherpa-onnx reads from Piper models (k2-fsa/sherpa-onnx
 * `scripts/piper/add_meta_data.py`: model_type vits, comment piper, voice, has_espeak,
 * n_speakers, sample_rate) and `tokens.txt` ("symbol id" per line, from the voice's
 * phoneme_id_map). The metadata is appended to the model's bytes as extra
 * `ModelProto.metadata_props` entries (field 14): a protobuf parser merges repeated
 * fields found after the others, so the 60 MB graph is not decoded.
 */
export async function writeSherpaVoice(voice: VoiceFiles, dir: string, espeakDataDir: string): Promise<SherpaFiles> {
  await mkdir(dir, { recursive: true });
  const c = voice.config;
  const meta: Record<string, string> = {
    model_type: "vits",
    comment: "piper",
    language: String((c.language as { name_english?: unknown } | undefined)?.name_english ?? "English"),
    voice: c.espeak.voice,
    has_espeak: "1",
    n_speakers: String(c.num_speakers),
    sample_rate: String(c.audio.sample_rate),
  };
  const entries = Object.entries(meta).map(([k, v]) => field(14, Buffer.concat([field(1, Buffer.from(k)), field(2, Buffer.from(v))])));
  const modelPath = join(dir, "model.onnx");
  const tokensPath = join(dir, "tokens.txt");
  await writeFile(modelPath, Buffer.concat([await readFile(voice.onnxPath), ...entries]));
  const tokens = Object.entries(c.phoneme_id_map).map(([symbol, ids]) => `${symbol} ${ids[0]}`);
  await writeFile(tokensPath, `${tokens.join("\n")}\n`);
  return { modelPath, tokensPath, espeakDataDir };
}
