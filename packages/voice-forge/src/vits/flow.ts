import type { GraphBuilder } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { conv1d, flipChannels, masked, sliceChannels } from "./layers";

/**
 * VITS `ResidualCouplingBlock` (`flow`) in reverse, as `infer` runs it: `nFlows`
 * mean-only residual coupling layers, each with a WaveNet (`WN`) encoder, interleaved
 * with channel Flips, applied last to first.
 */

/** Scale of the couplings' `post` projections (zero-initialised in VITS, small once trained). */
const POST_GAIN = 0.3;

/** @returns `z` `[1, inter, T_y]` from `z_p` of the same shape. */
export function flowReverse(root: GraphBuilder, p: VitsHyperParams, zP: string, yMask: string, g?: string): string {
  const b = root.scope("flow");
  const c = p.interChannels;
  let z = zP;
  // flows = [coupling 0, Flip, coupling 1, Flip, ...]; reversed.
  for (let n = p.flow.nFlows - 1; n >= 0; n--) {
    z = flipChannels(b, z, c);
    z = couplingReverse(b.scope(`flows.${2 * n}`), z, yMask, p, g);
  }
  return z;
}

/** `ResidualCouplingLayer(mean_only=True)` reverse: `x1 = (x1 - m(x0)) · mask`. */
function couplingReverse(b: GraphBuilder, z: string, mask: string, p: VitsHyperParams, g?: string): string {
  const half = p.interChannels / 2;
  const hidden = p.hiddenChannels;
  const x0 = sliceChannels(b, z, 0, half);
  const x1 = sliceChannels(b, z, half, 2 * half);
  let h = masked(b, conv1d(b, x0, "pre", { inChannels: half, outChannels: hidden, kernelSize: 1 }), mask);
  h = waveNet(b.scope("enc"), h, mask, p, g);
  const m = masked(b, conv1d(b, h, "post", { inChannels: hidden, outChannels: half, kernelSize: 1, gain: POST_GAIN }), mask);
  const y1 = masked(b, b.op("Sub", [x1, m]), mask);
  return b.op("Concat", [x0, y1], { axis: { i: 1 } });
}

/**
 * VITS `modules.WN`: `nLayers` gated dilated convs (tanh · sigmoid of in_layer + cond),
 * residual and skip 1×1 convs; the speaker condition enters through one `cond_layer`.
 */
function waveNet(b: GraphBuilder, x: string, mask: string, p: VitsHyperParams, g?: string): string {
  const hidden = p.hiddenChannels;
  const { kernelSize, dilationRate, nLayers } = p.flow;
  const cond = g ? conv1d(b, g, "cond_layer", { inChannels: p.ginChannels, outChannels: 2 * hidden * nLayers, kernelSize: 1 }) : undefined;
  let output: string | undefined;
  for (let i = 0; i < nLayers; i++) {
    let xIn = conv1d(b, x, `in_layers.${i}`, {
      inChannels: hidden,
      outChannels: 2 * hidden,
      kernelSize,
      dilation: dilationRate ** i,
    });
    if (cond) xIn = b.op("Add", [xIn, sliceChannels(b, cond, 2 * hidden * i, 2 * hidden * (i + 1))]);
    const acts = b.op("Mul", [b.op("Tanh", [sliceChannels(b, xIn, 0, hidden)]), b.op("Sigmoid", [sliceChannels(b, xIn, hidden, 2 * hidden)])]);
    const lastLayer = i === nLayers - 1;
    const resSkip = conv1d(b, acts, `res_skip_layers.${i}`, {
      inChannels: hidden,
      outChannels: lastLayer ? hidden : 2 * hidden,
      kernelSize: 1,
    });
    let skip = resSkip;
    if (!lastLayer) {
      x = masked(b, b.op("Add", [x, sliceChannels(b, resSkip, 0, hidden)]), mask);
      skip = sliceChannels(b, resSkip, hidden, 2 * hidden);
    }
    output = output ? b.op("Add", [output, skip]) : skip;
  }
  return masked(b, output!, mask);
}
