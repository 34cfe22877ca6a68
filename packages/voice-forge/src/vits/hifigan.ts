import { type GraphBuilder, DataType, int } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { conv1d, convTranspose1d, leakyRelu, masked } from "./layers";

/**
 * HiFi-GAN generator (VITS `models.Generator`, `dec`) with `ResBlock2`: conv_pre (k7),
 * per stage leaky ReLU 0.1 → ConvTranspose upsampling (channels halve) → mean of one
 * ResBlock2 per kernel size; then leaky ReLU (PyTorch default slope 0.01), conv_post
 * (k7, no bias) and tanh. Output `[B, 1, T_y · Π upsample_rates]`.
 *
 * VITS's generator has no mask: in a batch, the padding after a shorter item fills with
 * bias and boundary values that the next convolution would carry back into its audio.
 * Here every convolution's input is masked to each item's length (at that stage's
 * resolution), so item i of a batch sees the zeros a one-item run pads with; with one
 * item the masks are all ones and change nothing.
 */

const LRELU_SLOPE = 0.1;
/** Scale of the ResBlock convs: keeps each residual branch small so stages do not blow up. */
const RESBLOCK_GAIN = 0.5;
/** Scale of conv_post: sets the loudness of the (noise-like) output before tanh. */
const POST_GAIN = 0.5;

/**
 * @param z `[B, inter, T_y]` latent frames (already masked)
 * @param yLengths float `[B, 1, 1]` frames of each item
 */
export function generator(root: GraphBuilder, p: VitsHyperParams, z: string, yLengths: string, g?: string): string {
  const b = root.scope("dec");
  const d = p.decoder;
  // Mask of each item's first `yLengths · factor` positions, as long as `x`'s time axis.
  const maskFor = (x: string, factor: number) => {
    const time = b.op("Cast", [b.op("Gather", [b.op("Shape", [x]), b.constInt64([2], [])], { axis: int(0) })], { to: int(DataType.FLOAT) });
    const positions = b.op("Range", [b.constFloat([0], []), time, b.constFloat([1], [])]);
    return b.op("Cast", [b.op("Less", [positions, b.op("Mul", [yLengths, b.constFloat([factor], [])])])], { to: int(DataType.FLOAT) });
  };
  let factor = 1;
  let mask = maskFor(z, factor);
  let ch = d.upsampleInitialChannel;
  let x = conv1d(b, z, "conv_pre", { inChannels: p.interChannels, outChannels: ch, kernelSize: 7 });
  // The speaker condition is constant over time; at full scale it pushes the output
  // toward tanh's ceiling, so it enters at half the scale of conv_pre.
  if (g) x = b.op("Add", [x, conv1d(b, g, "cond", { inChannels: p.ginChannels, outChannels: ch, kernelSize: 1, gain: 0.5 })]);

  const nKernels = d.resblockKernelSizes.length;
  d.upsampleRates.forEach((rate, i) => {
    x = masked(b, leakyRelu(b, x, LRELU_SLOPE), mask);
    x = convTranspose1d(b, x, `ups.${i}`, {
      inChannels: ch,
      outChannels: ch / 2,
      kernelSize: d.upsampleKernelSizes[i]!,
      stride: rate,
      gain: Math.SQRT2,
    });
    ch /= 2;
    factor *= rate;
    mask = maskFor(x, factor);
    let sum: string | undefined;
    for (let j = 0; j < nKernels; j++) {
      const r = resBlock2(b.scope(`resblocks.${i * nKernels + j}`), x, mask, ch, d.resblockKernelSizes[j]!, d.resblockDilationSizes[j]!);
      sum = sum ? b.op("Add", [sum, r]) : r;
    }
    x = b.op("Div", [sum!, b.constFloat([nKernels], [])]);
  });

  x = masked(b, leakyRelu(b, x, 0.01), mask);
  x = conv1d(b, x, "conv_post", { inChannels: ch, outChannels: 1, kernelSize: 7, bias: false, gain: POST_GAIN });
  return masked(b, b.op("Tanh", [x]), mask);
}

/** `modules.ResBlock2` with its `x_mask`: for each dilation, `x = conv(leaky_relu(x) · mask) + x`. */
function resBlock2(b: GraphBuilder, x: string, mask: string, channels: number, kernelSize: number, dilations: number[]): string {
  dilations.forEach((dilation, k) => {
    const y = conv1d(b, masked(b, leakyRelu(b, x, LRELU_SLOPE), mask), `convs.${k}`, {
      inChannels: channels,
      outChannels: channels,
      kernelSize,
      dilation,
      gain: RESBLOCK_GAIN,
    });
    x = b.op("Add", [y, x]);
  });
  return x;
}
