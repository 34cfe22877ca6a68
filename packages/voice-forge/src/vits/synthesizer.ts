import { DataType, GraphBuilder, int } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { mixSeeds } from "../rng";
import { expandByDurations } from "./alignment";
import { durationPredictor } from "./duration";
import { flowReverse } from "./flow";
import { generator } from "./hifigan";
import { masked } from "./layers";
import { textEncoder } from "./text-encoder";

/** Graph-level names Piper runtimes rely on (rhasspy/piper `export_onnx.py`). */
export const GRAPH_IO = {
  input: "input",
  inputLengths: "input_lengths",
  scales: "scales",
  sid: "sid",
  output: "output",
  /** Frames per phoneme id (float32 [B, T]); an item's audio has max(1, Σ durations) × hop samples. */
  durations: "durations",
  /** Samples of each item's audio (int64 [B]): the rest of its row of `output` is padding. */
  outputLengths: "output_lengths",
} as const;

/** Options of {@link buildVitsGraph}. */
export interface VitsGraphOptions {
  params: VitsHyperParams;
  /** > 1 adds the `sid` input and the speaker embedding `emb_g`. */
  numSpeakers: number;
  /** Seeds the two RandomNormalLike nodes (weights are seeded at materialisation). */
  seed: number;
}

/**
 * The whole of Piper's exported inference graph, `SynthesizerTrn.infer`:
 * text encoder → duration predictor → alignment expansion →
 * `z_p = m_p + randn · exp(logs_p) · noise_scale` → reverse flow → HiFi-GAN.
 *
 * Inputs: `input` int64 [B, T] (rows padded to the longest), `input_lengths` int64 [B],
 * `scales` float32 [3] (noise_scale, length_scale, noise_w; one set per run), and `sid`
 * int64 [B] only when multi-speaker. Piper runs B = 1.
 * Outputs: `output` float32 [B, 1, N], N = the longest item's frames × hop (256); then
 * `durations` float32 [B, T], the frames of each phoneme id (`w_ceil`), for word
 * timestamps; then `output_lengths` int64 [B], the samples of each item's audio, so a
 * batch can be cut back into items (Piper's own export has only `output`; a runtime reads
 * the others where a voice has them). With noise off, item i of a batch equals its
 * one-item run: every stage is masked to the item's length (see `generator`).
 */
export function buildVitsGraph(o: VitsGraphOptions): GraphBuilder {
  const p = o.params;
  const b = GraphBuilder.create();
  const ids = b.input({ name: GRAPH_IO.input, type: DataType.INT64, dims: ["batch", "phonemes"] });
  const lengths = b.input({ name: GRAPH_IO.inputLengths, type: DataType.INT64, dims: ["batch"] });
  const scales = b.input({ name: GRAPH_IO.scales, type: DataType.FLOAT, dims: [3] });
  const scale = (k: number) => b.op("Gather", [scales, b.constInt64([k], [])], { axis: int(0) });
  const noiseScale = scale(0);
  const lengthScale = scale(1);
  const noiseW = scale(2);

  let g: string | undefined;
  if (o.numSpeakers > 1) {
    const sid = b.input({ name: GRAPH_IO.sid, type: DataType.INT64, dims: ["batch"] });
    // nn.Embedding(n_speakers, gin_channels), default init N(0, 1).
    const embG = b.weight("emb_g.weight", [o.numSpeakers, p.ginChannels], { kind: "normal", std: 1 });
    g = b.op("Unsqueeze", [b.op("Gather", [embG, sid], { axis: int(0) }), b.constInt64([2])]); // [B, gin, 1]
  }

  const enc = textEncoder(b, p, ids, lengths);
  const logw = durationPredictor(b, p, {
    x: enc.x,
    xMask: enc.xMask,
    g,
    noiseW,
    noiseSeed: mixSeeds(o.seed, 1) % 16777216,
  });
  const y = expandByDurations(b, logw, enc.xMask, lengthScale, enc.mP, enc.logsP);

  const noise = b.op("RandomNormalLike", [y.mP], { seed: { f: mixSeeds(o.seed, 2) % 16777216 }, mean: { f: 0 }, scale: { f: 1 } });
  const zP = b.op("Add", [y.mP, b.op("Mul", [b.op("Mul", [noise, b.op("Exp", [y.logsP])]), noiseScale])]);
  const z = flowReverse(b, p, zP, y.yMask, g);
  const audio = generator(b, p, masked(b, z, y.yMask), y.yLengths, g);
  b.output(audio, { name: GRAPH_IO.output, type: DataType.FLOAT, dims: ["batch", 1, "time"] });
  b.output(b.op("Squeeze", [y.wCeil, b.constInt64([1])]), { name: GRAPH_IO.durations, type: DataType.FLOAT, dims: ["batch", "phonemes"] });
  const hop = p.decoder.upsampleRates.reduce((a, r) => a * r, 1);
  const samples = b.op("Mul", [b.op("Reshape", [y.yLengths, b.constInt64([-1])]), b.constFloat([hop], [])]);
  b.output(b.op("Cast", [samples], { to: int(DataType.INT64) }), { name: GRAPH_IO.outputLengths, type: DataType.INT64, dims: ["batch"] });
  return b;
}
