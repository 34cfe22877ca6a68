import { type GraphBuilder, float, int } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { conv1d, flipChannels, gelu, layerNormChannels, masked, sliceChannels } from "./layers";
import { rationalQuadraticInverse } from "./spline";

/**
 * Duration predictors (`dp`), VITS `models.py`:
 * - `stochastic` (Piper's choice, `use_sdp=True`): condition net (1×1 pre, DDSConv, 1×1
 *   proj), then the reverse flows over seeded noise × noise_w: Flip, ConvFlow ×3 with
 *   Flips, ElementwiseAffine (the first ConvFlow is dropped at inference by VITS itself).
 * - `deterministic` (`use_sdp=False`): two kernel-3 convs with ReLU + LayerNorm, 1×1 proj.
 *
 * Synthetic weights would give arbitrary durations, so the last step is initialised to
 * land on `targetPhonemeMs` (see {@link targetFramesPerId}): the ElementwiseAffine of the
 * SDP (`logw = (z0 - m) · exp(-logs)`) or the proj bias of the DP.
 */

/** Inputs of {@link durationPredictor}. */
export interface DurationInputs {
  /** Encoded text `[1, hidden, T]`. */
  x: string;
  xMask: string;
  /** Speaker embedding `[1, gin, 1]` for multi-speaker voices. */
  g?: string;
  /** Scalar float noise_w (`scales[2]`). */
  noiseW: string;
  /** Seed of the SDP's RandomNormalLike. */
  noiseSeed: number;
}

/** Spread of log-durations (natural log) the predictor is initialised to, before noise. */
const LOGW_SCALE = 0.35;
/** Std of the spline's width/height logits weights (see `convFlowReverse`). */
const SPLINE_LOGIT_STD = 0.03;

/**
 * Frames per phoneme id the predictor is initialised to: Piper's ids put a pad `_` after
 * every phoneme, so a phoneme of `targetPhonemeMs` is two ids; `ceil` then adds about
 * half a frame per id on average, which is taken off here.
 */
export function targetFramesPerId(p: VitsHyperParams): number {
  const frameMs = (1000 * p.hopLength) / p.sampleRateHz;
  return p.targetPhonemeMs / 2 / frameMs - 0.5;
}

/** Builds the duration predictor; returns `logw` `[1, 1, T]` (masked). */
export function durationPredictor(root: GraphBuilder, p: VitsHyperParams, i: DurationInputs): string {
  const b = root.scope("dp");
  return p.durationPredictor.kind === "stochastic" ? stochastic(b, p, i) : deterministic(b, p, i);
}

function stochastic(b: GraphBuilder, p: VitsHyperParams, i: DurationInputs): string {
  const f = p.durationPredictor.filterChannels;
  const k = p.kernelSize;
  let h = conv1d(b, i.x, "pre", { inChannels: p.hiddenChannels, outChannels: f, kernelSize: 1 });
  if (i.g) h = b.op("Add", [h, conv1d(b, i.g, "cond", { inChannels: p.ginChannels, outChannels: f, kernelSize: 1 })]);
  h = ddsConv(b.scope("convs"), h, i.xMask, f, k);
  h = masked(b, conv1d(b, h, "proj", { inChannels: f, outChannels: f, kernelSize: 1 }), i.xMask);

  // z = randn(1, 2, T) * noise_w
  const shape2 = sliceChannels(b, h, 0, 2);
  let z = b.op("Mul", [b.op("RandomNormalLike", [shape2], { seed: float(i.noiseSeed), mean: float(0), scale: float(1) }), i.noiseW]);

  // reversed(flows) = Flip(8), ConvFlow(7), Flip(6), ConvFlow(5), Flip(4), ConvFlow(3),
  // Flip(2), [ConvFlow(1) removed by VITS], ElementwiseAffine(0).
  const nFlows = p.durationPredictor.nFlows;
  z = flipChannels(b, z, 2);
  for (let n = nFlows - 1; n >= 1; n--) {
    z = convFlowReverse(b.scope(`flows.${2 * n + 1}`), z, i.xMask, h, p);
    z = flipChannels(b, z, 2);
  }
  // ElementwiseAffine reverse: (z - m) * exp(-logs); channel 0 becomes logw.
  const target = targetFramesPerId(p);
  const ea = b.scope("flows.0");
  const m = ea.weight("m", [2, 1], {
    kind: "pieces",
    pieces: [
      { count: 1, init: { kind: "constant", value: -Math.log(target) / LOGW_SCALE } },
      { count: 1, init: { kind: "constant", value: 0 } },
    ],
  });
  const logs = ea.weight("logs", [2, 1], {
    kind: "pieces",
    pieces: [
      { count: 1, init: { kind: "constant", value: -Math.log(LOGW_SCALE) } },
      { count: 1, init: { kind: "constant", value: 0 } },
    ],
  });
  z = ea.op("Mul", [ea.op("Mul", [ea.op("Sub", [z, m]), ea.op("Exp", [ea.op("Neg", [logs])])]), i.xMask]);
  return sliceChannels(b, z, 0, 1);
}

/**
 * VITS `modules.ConvFlow` in reverse: x0 conditions a DDSConv (plus `g`, the DP's
 * condition net output) whose projection parameterises the spline applied to x1.
 */
function convFlowReverse(b: GraphBuilder, z: string, mask: string, g: string, p: VitsHyperParams): string {
  const f = p.durationPredictor.filterChannels;
  const nb = p.durationPredictor.numBins;
  const x0 = sliceChannels(b, z, 0, 1);
  const x1 = sliceChannels(b, z, 1, 2);
  let h = conv1d(b, x0, "pre", { inChannels: 1, outChannels: f, kernelSize: 1 });
  h = ddsConv(b.scope("convs"), b.op("Add", [h, g]), mask, f, p.kernelSize);
  // proj is zero-initialised in VITS; trained, it shapes the bins. Width and height
  // logits get unit spread after ConvFlow's 1/sqrt(f) so the spline is clearly non-linear.
  const proj = conv1d(b, h, "proj", {
    inChannels: f,
    outChannels: 3 * nb - 1,
    kernelSize: 1,
    weightInit: {
      kind: "pieces",
      pieces: [
        { count: 2 * nb * f, init: { kind: "normal", std: SPLINE_LOGIT_STD } },
        { count: (nb - 1) * f, init: { kind: "normal", std: 0.5 / Math.sqrt(f) } },
      ],
    },
  });
  h = masked(b, proj, mask);
  const y1 = rationalQuadraticInverse(b, x1, h, { numBins: nb, tailBound: p.durationPredictor.tailBound, filterChannels: f });
  return masked(b, b.op("Concat", [x0, y1], { axis: int(1) }), mask);
}

/**
 * VITS `modules.DDSConv`: 3 layers of dilated depthwise conv (dilation k^i) → LayerNorm →
 * GELU → 1×1 conv → LayerNorm → GELU, each added back to its input.
 */
function ddsConv(b: GraphBuilder, x: string, mask: string, channels: number, kernelSize: number, nLayers = 3): string {
  for (let l = 0; l < nLayers; l++) {
    let y = conv1d(b, masked(b, x, mask), `convs_sep.${l}`, {
      inChannels: channels,
      outChannels: channels,
      kernelSize,
      dilation: kernelSize ** l,
      groups: channels,
    });
    y = gelu(b, layerNormChannels(b, y, `norms_1.${l}`, channels));
    y = conv1d(b, y, `convs_1x1.${l}`, { inChannels: channels, outChannels: channels, kernelSize: 1 });
    y = gelu(b, layerNormChannels(b, y, `norms_2.${l}`, channels));
    x = b.op("Add", [x, y]);
  }
  return masked(b, x, mask);
}

function deterministic(b: GraphBuilder, p: VitsHyperParams, i: DurationInputs): string {
  const f = p.durationPredictor.filterChannels;
  const k = p.kernelSize;
  let x = i.x;
  if (i.g) x = b.op("Add", [x, conv1d(b, i.g, "cond", { inChannels: p.ginChannels, outChannels: p.hiddenChannels, kernelSize: 1 })]);
  x = conv1d(b, masked(b, x, i.xMask), "conv_1", { inChannels: p.hiddenChannels, outChannels: f, kernelSize: k, gain: Math.SQRT2 });
  x = layerNormChannels(b, b.op("Relu", [x]), "norm_1", f);
  x = conv1d(b, masked(b, x, i.xMask), "conv_2", { inChannels: f, outChannels: f, kernelSize: k, gain: Math.SQRT2 });
  x = layerNormChannels(b, b.op("Relu", [x]), "norm_2", f);
  const logw = conv1d(b, masked(b, x, i.xMask), "proj", {
    inChannels: f,
    outChannels: 1,
    kernelSize: 1,
    gain: LOGW_SCALE,
    biasInit: { kind: "constant", value: Math.log(targetFramesPerId(p)) },
  });
  return masked(b, logw, i.xMask);
}
