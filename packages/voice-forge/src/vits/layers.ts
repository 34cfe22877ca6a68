import { type GraphBuilder, type WeightInit, float, int, ints } from "../onnx/builder";

/**
 * Building blocks shared by the VITS modules. Tensors are `[1, C, T]` like PyTorch's
 * Conv1d layout. Weights are drawn with a fan-in-scaled normal (`std = gain / sqrt(fan_in)`),
 * a weight-norm-free stand-in for trained weights that keeps activations near unit scale.
 */

/** Options of {@link conv1d}. */
export interface Conv1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  dilation?: number;
  /** Grouped convolution; `groups = inChannels` is depthwise. @defaultValue 1 */
  groups?: number;
  /** @defaultValue true */
  bias?: boolean;
  /** Scale of the weights relative to a unit-variance-preserving init. @defaultValue 1 */
  gain?: number;
  /** Overrides the bias initialiser (default: normal, std 0.02). */
  biasInit?: WeightInit;
  /** Overrides the weight initialiser. */
  weightInit?: WeightInit;
}

/** Normal init with `std = gain / sqrt(fanIn)`. */
export function fanInNormal(fanIn: number, gain = 1): WeightInit {
  return { kind: "normal", std: gain / Math.sqrt(fanIn) };
}

/**
 * `torch.nn.Conv1d` with "same" padding (`dilation * (k - 1) / 2` each side, k odd).
 * Weight `[out, in / groups, k]` named `name.weight`, bias `[out]` named `name.bias`.
 */
export function conv1d(b: GraphBuilder, x: string, name: string, o: Conv1dOptions): string {
  const groups = o.groups ?? 1;
  const dilation = o.dilation ?? 1;
  if (o.kernelSize % 2 !== 1) throw new Error(`${name}: conv1d supports odd kernels only`);
  const fanIn = (o.inChannels / groups) * o.kernelSize;
  const s = b.scope(name);
  const w = s.weight("weight", [o.outChannels, o.inChannels / groups, o.kernelSize], o.weightInit ?? fanInNormal(fanIn, o.gain));
  const inputs = [x, w];
  if (o.bias ?? true) inputs.push(s.weight("bias", [o.outChannels], o.biasInit ?? { kind: "normal", std: 0.02 }));
  const pad = (dilation * (o.kernelSize - 1)) / 2;
  return s.op("Conv", inputs, {
    kernel_shape: ints([o.kernelSize]),
    dilations: ints([dilation]),
    group: int(groups),
    pads: ints([pad, pad]),
    strides: ints([1]),
  });
}

/** Options of {@link convTranspose1d}. */
export interface ConvTranspose1dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride: number;
  gain?: number;
}

/**
 * `torch.nn.ConvTranspose1d(in, out, k, stride, padding=(k - stride) / 2)`, as in
 * HiFi-GAN's upsampling: output length = input length × stride. Weight `[in, out, k]`.
 */
export function convTranspose1d(b: GraphBuilder, x: string, name: string, o: ConvTranspose1dOptions): string {
  const s = b.scope(name);
  // Each output sample sees kernel / stride taps of every input channel.
  const fanIn = (o.inChannels * o.kernelSize) / o.stride;
  const w = s.weight("weight", [o.inChannels, o.outChannels, o.kernelSize], fanInNormal(fanIn, o.gain));
  const bias = s.weight("bias", [o.outChannels], { kind: "normal", std: 0.02 });
  const pad = (o.kernelSize - o.stride) / 2;
  return s.op("ConvTranspose", [x, w, bias], {
    kernel_shape: ints([o.kernelSize]),
    strides: ints([o.stride]),
    pads: ints([pad, pad]),
    dilations: ints([1]),
    group: int(1),
  });
}

/**
 * VITS `modules.LayerNorm`: layer normalisation over the channel axis of `[1, C, T]`
 * (eps 1e-5), with learned gamma and beta stored as `[C, 1]`. Opset 15 has no
 * LayerNormalization op, so it is spelled out.
 */
export function layerNormChannels(b: GraphBuilder, x: string, name: string, channels: number): string {
  const s = b.scope(name);
  const gamma = s.weight("gamma", [channels, 1], { kind: "normal", mean: 1, std: 0.05 });
  const beta = s.weight("beta", [channels, 1], { kind: "normal", std: 0.02 });
  const mean = channelMean(s, x);
  const centered = s.op("Sub", [x, mean]);
  const variance = channelMean(s, s.op("Mul", [centered, centered]));
  const std = s.op("Sqrt", [s.op("Add", [variance, s.constFloat([1e-5], [])])]);
  return s.op("Add", [s.op("Mul", [s.op("Div", [centered, std]), gamma]), beta]);
}

/**
 * Mean over the channels of `[B, C, T]`, as `[B, 1, T]`, summed in the same order
 * whatever B is. onnxruntime's ReduceMean over the middle axis takes another loop once B
 * > 1 (the sums came out up to 1e-6 apart, so a batch's items differed from their
 * one-item runs); over the leading axis of `[C, B, T]` it adds the same rows in the same
 * order for any B, and for B = 1 it is what the middle-axis reduction computed.
 */
function channelMean(b: GraphBuilder, x: string): string {
  const leading = b.op("Transpose", [x], { perm: ints([1, 0, 2]) });
  return b.op("Transpose", [b.op("ReduceMean", [leading], { axes: ints([0]), keepdims: int(1) })], { perm: ints([1, 0, 2]) });
}

/** Exact GELU, `0.5 x (1 + erf(x / sqrt 2))` (what `F.gelu` exports to before opset 20). */
export function gelu(b: GraphBuilder, x: string): string {
  const erf = b.op("Erf", [b.op("Mul", [x, b.constFloat([Math.SQRT1_2], [])])]);
  return b.op("Mul", [b.op("Mul", [x, b.constFloat([0.5], [])]), b.op("Add", [erf, b.constFloat([1], [])])]);
}

/** `F.leaky_relu(x, slope)`. */
export function leakyRelu(b: GraphBuilder, x: string, slope: number): string {
  return b.op("LeakyRelu", [x], { alpha: float(slope) });
}

/** Elementwise product with a mask (`x * x_mask`). */
export function masked(b: GraphBuilder, x: string, mask: string): string {
  return b.op("Mul", [x, mask]);
}

/** Channels `[start, end)` of a `[1, C, T]` tensor (`x[:, start:end]`). */
export function sliceChannels(b: GraphBuilder, x: string, start: number, end: number): string {
  return b.op("Slice", [x, b.constInt64([start]), b.constInt64([end]), b.constInt64([1])]);
}

/** `torch.flip(x, [1])` for a `[1, C, T]` tensor: reverses the channel order. */
export function flipChannels(b: GraphBuilder, x: string, channels: number): string {
  const order = Array.from({ length: channels }, (_, i) => channels - 1 - i);
  return b.op("Gather", [x, b.constInt64(order)], { axis: int(1) });
}
