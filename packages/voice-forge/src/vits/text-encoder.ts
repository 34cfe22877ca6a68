import { type GraphBuilder, DataType, int, ints } from "../onnx/builder";
import type { VitsHyperParams } from "../presets";
import { relativePositions, relativeSelfAttention } from "./attention";
import { conv1d, layerNormChannels, masked, sliceChannels } from "./layers";

/** What the text encoder hands to the rest of the graph (VITS `TextEncoder.forward`). */
export interface TextEncoderOutputs {
  /** Encoded text `[B, hidden, T]`. */
  x: string;
  /** Prior mean `[B, inter, T]`. */
  mP: string;
  /** Prior log-std `[B, inter, T]`. */
  logsP: string;
  /** Float mask `[B, 1, T]` from `input_lengths`. */
  xMask: string;
}

/**
 * VITS `TextEncoder` (`enc_p`): embedding × sqrt(hidden), `nLayers` post-norm
 * transformer layers (relative-position self-attention + kernel-3 conv FFN, each followed
 * by a channel LayerNorm), and a 1×1 projection to `m_p` / `logs_p`.
 * @param ids int64 `[B, T]` phoneme ids (each row padded to the longest)
 * @param lengths int64 `[B]` valid length of each row
 */
export function textEncoder(root: GraphBuilder, p: VitsHyperParams, ids: string, lengths: string): TextEncoderOutputs {
  const b = root.scope("enc_p");
  const h = p.hiddenChannels;

  const t = b.op("Gather", [b.op("Shape", [ids]), b.constInt64([1], [])], { axis: int(0) }); // scalar T
  const range = b.op("Range", [b.constInt64([0], []), t, b.constInt64([1], [])]);
  const maskBool = b.op("Less", [b.op("Unsqueeze", [range, b.constInt64([0])]), b.op("Unsqueeze", [lengths, b.constInt64([1])])]); // [B, T]
  const xMask = b.op("Unsqueeze", [b.op("Cast", [maskBool], { to: int(DataType.FLOAT) }), b.constInt64([1])]);
  // attn_mask = x_mask[:, :, None] * x_mask[:, None, :] as booleans, [B, 1, T, T].
  const attnMask = b.op("And", [b.op("Unsqueeze", [maskBool, b.constInt64([1, 3])]), b.op("Unsqueeze", [maskBool, b.constInt64([1, 2])])]);

  // nn.Embedding initialised N(0, hidden^-0.5), then scaled by sqrt(hidden).
  const emb = b.weight("emb.weight", [p.numSymbols, h], { kind: "normal", std: h ** -0.5 });
  let x = b.op("Gather", [emb, ids], { axis: int(0) }); // [B, T, H]
  x = b.op("Mul", [x, b.constFloat([Math.sqrt(h)], [])]);
  x = b.op("Transpose", [x], { perm: ints([0, 2, 1]) });
  x = masked(b, x, xMask);

  const enc = b.scope("encoder");
  const rel = relativePositions(enc, t, p.windowSize);
  for (let i = 0; i < p.nLayers; i++) {
    const y = relativeSelfAttention(enc.scope(`attn_layers.${i}`), x, attnMask, rel, {
      channels: h,
      nHeads: p.nHeads,
      window: p.windowSize,
    });
    x = layerNormChannels(enc, enc.op("Add", [x, y]), `norm_layers_1.${i}`, h);
    const f = ffn(enc.scope(`ffn_layers.${i}`), x, xMask, p);
    x = layerNormChannels(enc, enc.op("Add", [x, f]), `norm_layers_2.${i}`, h);
  }
  x = masked(b, x, xMask);

  // proj: m_p with unit-ish spread; logs_p near -1 (a prior std of ~0.37, small
  // enough that noise_scale 0.667 perturbs rather than drowns the mean).
  const c = p.interChannels;
  const stats = masked(
    b,
    conv1d(b, x, "proj", {
      inChannels: h,
      outChannels: 2 * c,
      kernelSize: 1,
      weightInit: {
        kind: "pieces",
        pieces: [
          { count: c * h, init: { kind: "normal", std: 0.7 / Math.sqrt(h) } },
          { count: c * h, init: { kind: "normal", std: 0.15 / Math.sqrt(h) } },
        ],
      },
      biasInit: {
        kind: "pieces",
        pieces: [
          { count: c, init: { kind: "normal", std: 0.1 } },
          { count: c, init: { kind: "normal", mean: -1, std: 0.1 } },
        ],
      },
    }),
    xMask,
  );
  return { x, mP: sliceChannels(b, stats, 0, c), logsP: sliceChannels(b, stats, c, 2 * c), xMask };
}

/** VITS `attentions.FFN`: conv(k) → ReLU → conv(k), masked before each conv and after. */
function ffn(b: GraphBuilder, x: string, mask: string, p: VitsHyperParams): string {
  const { hiddenChannels: h, filterChannels: f, kernelSize: k } = p;
  let y = conv1d(b, masked(b, x, mask), "conv_1", { inChannels: h, outChannels: f, kernelSize: k, gain: Math.SQRT2 });
  y = b.op("Relu", [y]);
  y = conv1d(b, masked(b, y, mask), "conv_2", { inChannels: f, outChannels: h, kernelSize: k });
  return masked(b, y, mask);
}
