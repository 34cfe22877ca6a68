// Entry of one benchmark inference thread: holds one engine (a bare onnxruntime-node
// session, or a sherpa-onnx-node OfflineTts) and, on each "run", takes items from a
// shared counter until none is left, so N threads share one corpus as a work queue.
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type * as Ort from "onnxruntime-node";
import type { EngineInit, EngineReply, EngineRun } from "./engines.js";

const port = parentPort!;
const init = workerData as EngineInit;
const require = createRequire(import.meta.url);

/** Synthesizes item `i`; resolves to its number of audio samples. */
type Synthesize = (i: number) => Promise<number>;

async function ortEngine(): Promise<Synthesize> {
  const ort = require("onnxruntime-node") as typeof Ort;
  const session = await ort.InferenceSession.create(init.modelPath, {
    executionProviders: ["cpu"],
    intraOpNumThreads: init.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const [noise, length, noiseW] = init.scales;
  const output = session.outputNames[0]!;
  return async (i) => {
    const ids = init.ids[i]!;
    const results = await session.run({
      input: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor("int64", BigInt64Array.of(BigInt(ids.length)), [1]),
      scales: new ort.Tensor("float32", Float32Array.of(noise, length, noiseW), [3]),
    });
    const n = results[output]!.size;
    for (const t of Object.values(results)) t.dispose();
    return n;
  };
}

async function sherpaEngine(): Promise<Synthesize> {
  // sherpa-onnx-node ships its own onnxruntime; it phonemizes with espeak-ng itself.
  const sherpa = require("sherpa-onnx-node") as {
    OfflineTts: new (c: unknown) => { generate(o: { text: string; sid: number; speed: number }): { samples: Float32Array } };
  };
  const s = init.sherpa!;
  const tts = new sherpa.OfflineTts({
    model: {
      vits: {
        model: s.modelPath,
        tokens: s.tokensPath,
        dataDir: s.espeakDataDir,
        noiseScale: init.scales[0],
        lengthScale: init.scales[1],
        noiseScaleW: init.scales[2],
      },
      numThreads: init.intraOpThreads,
      debug: 0,
      provider: "cpu",
    },
    maxNumSentences: 1,
  });
  return async (i) => tts.generate({ text: init.texts[i]!, sid: 0, speed: 1 }).samples.length;
}

const synthesize = await (init.kind === "ort" ? ortEngine() : sherpaEngine());
await synthesize(0); // warm-up: lazy initialisation is not what we measure
port.postMessage({ kind: "ready" } satisfies EngineReply);

port.on("message", (msg: EngineRun) => {
  void (async () => {
    const next = new Int32Array(msg.counter);
    let samples = 0;
    let items = 0;
    const busyStart = performance.now();
    for (let i = Atomics.add(next, 0, 1); i < msg.count; i = Atomics.add(next, 0, 1)) {
      samples += await synthesize(msg.order[i]!);
      items++;
    }
    port.postMessage({ kind: "done", samples, items, busySeconds: (performance.now() - busyStart) / 1000 } satisfies EngineReply);
  })().catch((err: unknown) => port.postMessage({ kind: "failed", message: String((err as Error)?.message ?? err) } satisfies EngineReply));
});
