import { type GraphBuilder, DataType, int } from "../onnx/builder";

/** Outputs of {@link expandByDurations}. */
export interface Expanded {
  /** Prior mean per frame `[B, inter, T_y]` (T_y: the longest item's frames). */
  mP: string;
  /** Prior log-std per frame `[B, inter, T_y]`. */
  logsP: string;
  /** Float mask `[B, 1, T_y]`. */
  yMask: string;
  /** Frames of each item, float `[B, 1, 1]` (`y_lengths`). */
  yLengths: string;
  /** Frames per phoneme id, `w_ceil` `[B, 1, T]`. */
  wCeil: string;
}

/**
 * The inference half of VITS monotonic alignment (`SynthesizerTrn.infer` with
 * `commons.generate_path`), in-graph:
 * `w = exp(logw) · x_mask · length_scale`, `w_ceil = ceil(w)`,
 * `y_length = max(1, Σ w_ceil)` frames per item, and the hard path
 * `attn[i, j] = (cum[i] - w_ceil[i] <= j < cum[i])` (cum = CumSum of w_ceil), which
 * repeats each phoneme's prior `w_ceil[i]` times: `m_p · attn` (MatMul).
 * Each item of a batch gets its own path; frames past its `y_length` are masked.
 * @param logw `[B, 1, T]` log-durations in frames
 * @param lengthScale scalar float (`scales[1]`)
 */
export function expandByDurations(root: GraphBuilder, logw: string, xMask: string, lengthScale: string, mP: string, logsP: string): Expanded {
  const b = root.scope("align");
  const w = b.op("Mul", [b.op("Mul", [b.op("Exp", [logw]), xMask]), lengthScale]);
  const wCeil = b.op("Ceil", [w]);
  const total = b.op("ReduceSum", [wCeil, b.constInt64([2])], { keepdims: int(1) }); // [B, 1, 1]
  const yLengths = b.op("Max", [total, b.constFloat([1], [])]);
  const longest = b.op("ReduceMax", [yLengths], { keepdims: int(0) }); // scalar

  const frames = b.op("Range", [b.constFloat([0], []), longest, b.constFloat([1], [])]); // [T_y]
  const column = b.constInt64([0, -1, 1]);
  const ends = b.op("Reshape", [b.op("CumSum", [wCeil, b.constInt64([2], [])]), column]); // [B, T, 1]
  const starts = b.op("Sub", [ends, b.op("Reshape", [wCeil, column])]);
  const before = (limit: string) => b.op("Cast", [b.op("Less", [frames, limit])], { to: int(DataType.FLOAT) });
  // sequence_mask(cum) minus its shifted copy, times attn_mask's x_mask part: [B, T, T_y].
  const path = b.op("Mul", [b.op("Sub", [before(ends), before(starts)]), b.op("Reshape", [xMask, column])]);

  return {
    mP: b.op("MatMul", [mP, path]),
    logsP: b.op("MatMul", [logsP, path]),
    yMask: before(yLengths), // [B, 1, T_y]
    yLengths,
    wCeil,
  };
}
