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
  /** Frames per phoneme id (float32 [1, T]); the audio has Σ durations × hop samples. */
  durations: "durations",
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
 * Inputs: `input` int64 [1, T], `input_lengths` int64 [1], `scales` float32 [3]
 * (noise_scale, length_scale, noise_w), and `sid` int64 [1] only when multi-speaker.
 * Outputs: `output` float32 [1, 1, N], N = frames × hop (256); then `durations` float32
 * [1, T], the frames of each phoneme id (`w_ceil`), for word timestamps (Piper's own export
 * has only `output`; a runtime reads `durations` where a voice has it).
 */
export function buildVitsGraph(o: VitsGraphOptions): GraphBuilder {
  const p = o.params;
  const b = GraphBuilder.create();
  const ids = b.input({ name: GRAPH_IO.input, type: DataType.INT64, dims: [1, "phonemes"] });
  const lengths = b.input({ name: GRAPH_IO.inputLengths, type: DataType.INT64, dims: [1] });
  const scales = b.input({ name: GRAPH_IO.scales, type: DataType.FLOAT, dims: [3] });
  const scale = (k: number) => b.op("Gather", [scales, b.constInt64([k], [])], { axis: int(0) });
  const noiseScale = scale(0);
  const lengthScale = scale(1);
  const noiseW = scale(2);

  let g: string | undefined;
  if (o.numSpeakers > 1) {
    const sid = b.input({ name: GRAPH_IO.sid, type: DataType.INT64, dims: [1] });
    // nn.Embedding(n_speakers, gin_channels), default init N(0, 1).
    const embG = b.weight("emb_g.weight", [o.numSpeakers, p.ginChannels], { kind: "normal", std: 1 });
    g = b.op("Unsqueeze", [b.op("Gather", [embG, sid], { axis: int(0) }), b.constInt64([2])]); // [1, gin, 1]
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
  const audio = generator(b, p, masked(b, z, y.yMask), g);
  b.output(audio, { name: GRAPH_IO.output, type: DataType.FLOAT, dims: [1, 1, "time"] });
  b.output(b.op("Squeeze", [y.wCeil, b.constInt64([1])]), { name: GRAPH_IO.durations, type: DataType.FLOAT, dims: [1, "phonemes"] });
  return b;
}
