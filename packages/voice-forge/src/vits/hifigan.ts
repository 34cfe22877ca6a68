import type { GraphBuilder } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { conv1d, convTranspose1d, leakyRelu } from "./layers";

/**
 * HiFi-GAN generator (VITS `models.Generator`, `dec`) with `ResBlock2`: conv_pre (k7),
 * per stage leaky ReLU 0.1 → ConvTranspose upsampling (channels halve) → mean of one
 * ResBlock2 per kernel size; then leaky ReLU (PyTorch default slope 0.01), conv_post
 * (k7, no bias) and tanh. Output `[1, 1, T_y · Π upsample_rates]`.
 */

const LRELU_SLOPE = 0.1;
/** Scale of the ResBlock convs: keeps each residual branch small so stages do not blow up. */
const RESBLOCK_GAIN = 0.5;
/** Scale of conv_post: sets the loudness of the (noise-like) output before tanh. */
const POST_GAIN = 0.5;

/** @param z `[1, inter, T_y]` latent frames (already masked) */
export function generator(root: GraphBuilder, p: VitsHyperParams, z: string, g?: string): string {
  const b = root.scope("dec");
  const d = p.decoder;
  let ch = d.upsampleInitialChannel;
  let x = conv1d(b, z, "conv_pre", { inChannels: p.interChannels, outChannels: ch, kernelSize: 7 });
  // The speaker condition is constant over time; at full scale it pushes the output
  // toward tanh's ceiling, so it enters at half the scale of conv_pre.
  if (g) x = b.op("Add", [x, conv1d(b, g, "cond", { inChannels: p.ginChannels, outChannels: ch, kernelSize: 1, gain: 0.5 })]);

  const nKernels = d.resblockKernelSizes.length;
  d.upsampleRates.forEach((rate, i) => {
    x = leakyRelu(b, x, LRELU_SLOPE);
    x = convTranspose1d(b, x, `ups.${i}`, {
      inChannels: ch,
      outChannels: ch / 2,
      kernelSize: d.upsampleKernelSizes[i]!,
      stride: rate,
      gain: Math.SQRT2,
    });
    ch /= 2;
    let sum: string | undefined;
    for (let j = 0; j < nKernels; j++) {
      const r = resBlock2(b.scope(`resblocks.${i * nKernels + j}`), x, ch, d.resblockKernelSizes[j]!, d.resblockDilationSizes[j]!);
      sum = sum ? b.op("Add", [sum, r]) : r;
    }
    x = b.op("Div", [sum!, b.constFloat([nKernels], [])]);
  });

  x = leakyRelu(b, x, 0.01);
  x = conv1d(b, x, "conv_post", { inChannels: ch, outChannels: 1, kernelSize: 7, bias: false, gain: POST_GAIN });
  return b.op("Tanh", [x]);
}

/** `modules.ResBlock2`: for each dilation, `x = conv(leaky_relu(x)) + x`. */
function resBlock2(b: GraphBuilder, x: string, channels: number, kernelSize: number, dilations: number[]): string {
  dilations.forEach((dilation, k) => {
    const y = conv1d(b, leakyRelu(b, x, LRELU_SLOPE), `convs.${k}`, {
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
