import { type GraphBuilder, DataType, int, ints } from "../onnx/builder";
import { conv1d } from "./layers";

/**
 * VITS `attentions.MultiHeadAttention` with windowed relative positions
 * (`window_size`, `heads_share=True`), as in the text encoder of Piper voices.
 *
 * VITS pads the `2w+1` relative embeddings to `2T-1` and converts between relative and
 * absolute positions with pad/reshape tricks. The same numbers come from a one-hot
 * tensor `P[i, j, r] = (j - i + w == r)`, built once per graph:
 * `scores[i, j] += q_i · E_k[j - i + w]` and `out_i += Σ_j p[i, j] E_v[j - i + w]`
 * (zero outside the window, as the VITS padding gives).
 */

/** The relative-position one-hot, in the two layouts the attention needs. */
export interface RelativePositions {
  /** `[T, K, T]`: `P` transposed for relative logits → absolute scores. */
  keyOneHot: string;
  /** `[T, T, K]`: `P` for absolute weights → relative weights. */
  valueOneHot: string;
}

/**
 * Builds `P` for a scalar int64 length `t` and window `w` (K = 2w + 1).
 */
export function relativePositions(b: GraphBuilder, t: string, window: number): RelativePositions {
  const s = b.scope("rel_pos");
  const zero = s.constInt64([0], []);
  const one = s.constInt64([1], []);
  const positions = s.op("Range", [zero, t, one]); // [T]
  const rows = s.op("Unsqueeze", [positions, s.constInt64([1])]); // [T, 1]
  const offset = s.op("Add", [s.op("Sub", [positions, rows]), s.constInt64([window], [])]); // [T, T]: j - i + w
  const k = 2 * window + 1;
  const rel = s.constInt64(Array.from({ length: k }, (_, r) => r)); // [K]
  const onehot = s.op("Equal", [s.op("Unsqueeze", [offset, s.constInt64([2])]), rel]); // [T, T, K]
  const valueOneHot = s.op("Cast", [onehot], { to: int(DataType.FLOAT) });
  const keyOneHot = s.op("Transpose", [valueOneHot], { perm: ints([0, 2, 1]) });
  return { keyOneHot, valueOneHot };
}

/**
 * `[B·H, X, Y]` → `[B, H, X, Y]` (the batch axis split back off the heads). With B = 1
 * these reshapes leave the MatMuls exactly as in a one-item graph.
 */
function splitHeads(b: GraphBuilder, x: string, nHeads: number): string {
  const rest = b.op("Slice", [b.op("Shape", [x]), b.constInt64([1]), b.constInt64([3])]);
  return b.op("Reshape", [x, b.op("Concat", [b.constInt64([-1, nHeads]), rest], { axis: int(0) })]);
}

/**
 * VITS `_relative_position_to_absolute_position`: `[B, H, T, K]` logits per relative
 * offset → `[B, H, T, T]` scores (zero outside the window).
 */
export function relativeToAbsolute(b: GraphBuilder, relLogits: string, rel: RelativePositions, nHeads: number): string {
  // [B, H, T, K] → [T, B·H, K] @ [T, K, T] → [T, B·H, T] → [B, H, T, T]
  const offsets = b.op("Slice", [b.op("Shape", [relLogits]), b.constInt64([3]), b.constInt64([4])]);
  const byRowShape = b.op("Concat", [b.constInt64([0, -1]), offsets], { axis: int(0) });
  const byRow = b.op("Reshape", [b.op("Transpose", [relLogits], { perm: ints([2, 0, 1, 3]) }), byRowShape]);
  const scores = b.op("Transpose", [b.op("MatMul", [byRow, rel.keyOneHot])], { perm: ints([1, 0, 2]) });
  return splitHeads(b, scores, nHeads);
}

/**
 * VITS `_absolute_position_to_relative_position`: `[B, H, T, T]` attention weights →
 * `[B, H, T, K]` weights per relative offset (offsets outside the window dropped).
 */
export function absoluteToRelative(b: GraphBuilder, weights: string, rel: RelativePositions, nHeads: number): string {
  // [B, H, T, T] → [T, B·H, T] @ [T, T, K] → [T, B·H, K] → [B, H, T, K]
  const squares = b.op("Slice", [b.op("Shape", [weights]), b.constInt64([2]), b.constInt64([4])]);
  const flat = b.op("Reshape", [weights, b.op("Concat", [b.constInt64([-1]), squares], { axis: int(0) })]);
  const byRow = b.op("Transpose", [flat], { perm: ints([1, 0, 2]) });
  const relative = b.op("Transpose", [b.op("MatMul", [byRow, rel.valueOneHot])], { perm: ints([1, 0, 2]) });
  return splitHeads(b, relative, nHeads);
}

/** Sizes of one attention layer. */
export interface AttentionOptions {
  channels: number;
  nHeads: number;
  window: number;
}

/**
 * Self-attention over `x` `[B, C, T]` with the boolean mask `attnMask` `[B, 1, T, T]`
 * (masked scores are set to -1e4 before the softmax, as VITS does). Returns `[B, C, T]`.
 */
export function relativeSelfAttention(b: GraphBuilder, x: string, attnMask: string, rel: RelativePositions, o: AttentionOptions): string {
  const { channels, nHeads } = o;
  const d = channels / nHeads;
  const k = 2 * o.window + 1;
  const conv = (name: string, input: string) => conv1d(b, input, name, { inChannels: channels, outChannels: channels, kernelSize: 1 });
  const q = conv("conv_q", x);
  const key = conv("conv_k", x);
  const v = conv("conv_v", x);
  // emb_rel_k / emb_rel_v: [1, 2w+1, d], initialised randn * d^-0.5 as in VITS.
  const embRelK = b.weight("emb_rel_k", [1, k, d], { kind: "normal", std: d ** -0.5 });
  const embRelV = b.weight("emb_rel_v", [1, k, d], { kind: "normal", std: d ** -0.5 });

  const heads = b.constInt64([0, nHeads, d, -1]);
  const toHeads = (t: string) => b.op("Transpose", [b.op("Reshape", [t, heads])], { perm: ints([0, 1, 3, 2]) }); // [B, H, T, d]
  const qh = b.op("Mul", [toHeads(q), b.constFloat([1 / Math.sqrt(d)], [])]);
  const kh = b.op("Reshape", [key, heads]); // [B, H, d, T]
  const vh = toHeads(v);

  let scores = b.op("MatMul", [qh, kh]); // [B, H, T, T]
  const relLogits = b.op("MatMul", [qh, b.op("Transpose", [embRelK], { perm: ints([0, 2, 1]) })]); // [B, H, T, K]
  scores = b.op("Add", [scores, relativeToAbsolute(b, relLogits, rel, nHeads)]);
  scores = b.op("Where", [attnMask, scores, b.constFloat([-1e4], [])]);
  const pAttn = b.op("Softmax", [scores], { axis: int(-1) });

  let out = b.op("MatMul", [pAttn, vh]); // [B, H, T, d]
  const relWeights = absoluteToRelative(b, pAttn, rel, nHeads); // [B, H, T, K]
  out = b.op("Add", [out, b.op("MatMul", [relWeights, b.op("Squeeze", [embRelV, b.constInt64([0])])])]);

  const merged = b.op("Reshape", [b.op("Transpose", [out], { perm: ints([0, 1, 3, 2]) }), b.constInt64([0, channels, -1])]);
  return conv1d(b, merged, "conv_o", { inChannels: channels, outChannels: channels, kernelSize: 1 });
}
