import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { planVoice } from "../src/forge";
import { DataType, GraphBuilder, encodeModel } from "../src/onnx/builder";
import { PRESETS, type VitsHyperParams } from "../src/presets";
import { Mulberry32, fillNormal, streamFor } from "../src/rng";
import { absoluteToRelative, relativePositions, relativeToAbsolute } from "../src/vits/attention";
import { rationalQuadraticInverse } from "../src/vits/spline";
import { buildVitsGraph } from "../src/vits/synthesizer";
import { deterministicVariant } from "./helpers";

async function session(b: GraphBuilder): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(b.toModel([], { graphName: "test", docString: "", metadata: {} })));
}

describe("seeded random numbers", () => {
  it("repeats for a seed and differs between seeds and tensor names", () => {
    const a = new Mulberry32(7);
    const b = new Mulberry32(7);
    const seqA = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(seqA);
    expect(new Mulberry32(8).uniform()).not.toBe(seqA[0]);
    expect(streamFor(1, "a.weight").uniform()).not.toBe(streamFor(1, "b.weight").uniform());
  });

  it("draws normals with the requested mean and spread", () => {
    const x = fillNormal(streamFor(1234, "stats"), new Float32Array(200_001), 2, 0.5);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
    expect(mean).toBeCloseTo(0.5, 1);
    expect(std).toBeGreaterThan(1.97);
    expect(std).toBeLessThan(2.03);
  });
});

describe("rational-quadratic spline inverse", () => {
  // Forward spline written from Durkan et al. (2019), eq. 4, with VITS's constants.
  const nb = 10;
  const bound = 5;
  const filter = 4;
  const softmax = (a: number[]) => {
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((v) => v / s);
  };
  const knots = (logits: number[]) => {
    const sizes = softmax(logits).map((v) => 1e-3 + (1 - 1e-3 * nb) * v);
    const k = [-bound];
    let c = 0;
    sizes.forEach((s, i) => {
      c += s;
      k.push(i === nb - 1 ? bound : 2 * bound * c - bound);
    });
    return k;
  };
  function forward(x: number, params: number[]): number {
    if (x < -bound || x > bound) return x;
    const kw = knots(params.slice(0, nb).map((v) => v / Math.sqrt(filter)));
    const kh = knots(params.slice(nb, 2 * nb).map((v) => v / Math.sqrt(filter)));
    const end = Math.log(Math.exp(1 - 1e-3) - 1);
    const d = [end, ...params.slice(2 * nb), end].map((v) => 1e-3 + Math.log1p(Math.exp(v)));
    let k = 0;
    while (k < nb - 1 && x >= kw[k + 1]!) k++;
    const w = kw[k + 1]! - kw[k]!;
    const h = kh[k + 1]! - kh[k]!;
    const delta = h / w;
    const t = (x - kw[k]!) / w;
    return kh[k]! + (h * (delta * t * t + d[k]! * t * (1 - t))) / (delta + (d[k]! + d[k + 1]! - 2 * delta) * t * (1 - t));
  }

  it("inverts the forward spline inside the bound and is the identity outside", async () => {
    const t = 240;
    const b = GraphBuilder.create();
    const x = b.input({ name: "x", type: DataType.FLOAT, dims: [1, 1, "t"] });
    const h = b.input({ name: "h", type: DataType.FLOAT, dims: [1, 3 * nb - 1, "t"] });
    const y = rationalQuadraticInverse(b, x, h, { numBins: nb, tailBound: bound, filterChannels: filter });
    b.output(y, { name: "y", type: DataType.FLOAT, dims: [1, 1, "t"] });
    const xs = Float32Array.from({ length: t }, (_, i) => -6.5 + (13 * i) / (t - 1));
    const hs = fillNormal(streamFor(3, "spline"), new Float32Array((3 * nb - 1) * t), 2);
    const out = await (
      await session(b)
    ).run({
      x: new ort.Tensor("float32", xs, [1, 1, t]),
      h: new ort.Tensor("float32", hs, [1, 3 * nb - 1, t]),
    });
    const ys = out.y!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < t; i++) {
      const params = Array.from({ length: 3 * nb - 1 }, (_, c) => hs[c * t + i]!);
      worst = Math.max(worst, Math.abs(forward(ys[i]!, params) - xs[i]!));
      if (Math.abs(xs[i]!) > bound) expect(ys[i]).toBe(xs[i]);
    }
    expect(worst).toBeLessThan(1e-4);
    // Not the identity inside: the spline really transforms.
    expect(Math.max(...xs.map((v, i) => (Math.abs(v) < bound ? Math.abs(v - ys[i]!) : 0)))).toBeGreaterThan(0.1);
  });
});

describe("relative-position attention", () => {
  // VITS attentions.py converts with pad/reshape; this re-does those steps on arrays.
  const w = 4;
  const k = 2 * w + 1;
  function vitsRelToAbs(x: number[][], t: number): number[][] {
    const flat = x.flatMap((row) => [...row, 0]); // pad a column: [t, 2t]
    for (let i = 0; i < t - 1; i++) flat.push(0);
    const width = 2 * t - 1;
    return Array.from({ length: t }, (_, i) => flat.slice(i * width + t - 1, i * width + t - 1 + t));
  }
  function vitsAbsToRel(x: number[][], t: number): number[][] {
    const flat = [...new Array<number>(t).fill(0), ...x.flatMap((row) => [...row, ...new Array<number>(t - 1).fill(0)])];
    return Array.from({ length: t }, (_, i) => flat.slice(i * 2 * t + 1, (i + 1) * 2 * t));
  }
  /** Index into VITS's padded relative axis (length 2t-1) of window offset r, or -1 when sliced off. */
  function paddedIndex(r: number, t: number): number {
    const pad = Math.max(t - (w + 1), 0);
    const sliceStart = Math.max(w + 1 - t, 0);
    const m = pad + r - sliceStart;
    return m >= 0 && m < 2 * t - 1 ? m : -1;
  }

  for (const t of [3, 11]) {
    it(`matches VITS's relative/absolute conversions for T = ${t}`, async () => {
      const b = GraphBuilder.create();
      const rel = b.input({ name: "rel", type: DataType.FLOAT, dims: [1, 1, "t", k] });
      const abs = b.input({ name: "abs", type: DataType.FLOAT, dims: [1, 1, "t", "t"] });
      const len = b.op("Gather", [b.op("Shape", [rel]), b.constInt64([2], [])], { axis: { i: 0 } });
      const positions = relativePositions(b, len, w);
      b.output(relativeToAbsolute(b, rel, positions, 1), { name: "scores", type: DataType.FLOAT, dims: [1, 1, "t", "t"] });
      b.output(absoluteToRelative(b, abs, positions, 1), { name: "weights", type: DataType.FLOAT, dims: [1, 1, "t", k] });
      const relData = fillNormal(streamFor(t, "rel"), new Float32Array(t * k), 1);
      const absData = fillNormal(streamFor(t, "abs"), new Float32Array(t * t), 1);
      const out = await (
        await session(b)
      ).run({
        rel: new ort.Tensor("float32", relData, [1, 1, t, k]),
        abs: new ort.Tensor("float32", absData, [1, 1, t, t]),
      });

      // Keys: VITS logits over the padded axis are q·E_padded, i.e. rel[i][r] where E is not padding.
      const padded = Array.from({ length: t }, (_, i) => {
        const row = new Array<number>(2 * t - 1).fill(0);
        for (let r = 0; r < k; r++) {
          const m = paddedIndex(r, t);
          if (m >= 0) row[m] = relData[i * k + r]!;
        }
        return row;
      });
      const expectedScores = vitsRelToAbs(padded, t).flat();
      const scores = Array.from(out.scores!.data as Float32Array);
      scores.forEach((v, i) => expect(v).toBeCloseTo(expectedScores[i]!, 5));

      // Values: VITS multiplies its relative weights by E_padded; compare where E is real.
      const relWeights = vitsAbsToRel(
        Array.from({ length: t }, (_, i) => Array.from(absData.slice(i * t, (i + 1) * t))),
        t,
      );
      const weights = out.weights!.data as Float32Array;
      for (let i = 0; i < t; i++) {
        for (let r = 0; r < k; r++) {
          const m = paddedIndex(r, t);
          expect(weights[i * k + r]).toBeCloseTo(m >= 0 ? relWeights[i]![m]! : 0, 5);
        }
      }
    });
  }
});

/**
 * Parameter count of Piper's exported inference graph, derived module by module from
 * VITS models.py / modules.py / attentions.py (Conv1d: in·out·k + out; LayerNorm: 2C).
 * Training-only parts (enc_q, the SDP's post_* and its first ConvFlow) are not exported.
 */
function expectedParameters(p: VitsHyperParams, speakers: number): number {
  const conv = (i: number, o: number, kk: number, bias = true) => i * o * kk + (bias ? o : 0);
  const multi = speakers > 1;
  const gin = p.ginChannels;
  const h = p.hiddenChannels;
  const c = p.interChannels;
  const d = h / p.nHeads;
  const kRel = 2 * p.windowSize + 1;
  const encLayer = 4 * conv(h, h, 1) + 2 * kRel * d + 2 * h + conv(h, p.filterChannels, p.kernelSize) + conv(p.filterChannels, h, p.kernelSize) + 2 * h;
  const enc = p.numSymbols * h + p.nLayers * encLayer + conv(h, 2 * c, 1);

  const f = p.durationPredictor.filterChannels;
  const dds = 3 * (f * p.kernelSize + f + 2 * f + conv(f, f, 1) + 2 * f);
  const convFlow = conv(1, f, 1) + dds + conv(f, 3 * p.durationPredictor.numBins - 1, 1);
  const dp =
    p.durationPredictor.kind === "stochastic"
      ? conv(h, f, 1) + dds + conv(f, f, 1) + 4 + (p.durationPredictor.nFlows - 1) * convFlow + (multi ? conv(gin, f, 1) : 0)
      : conv(h, f, p.kernelSize) + 2 * f + conv(f, f, p.kernelSize) + 2 * f + conv(f, 1, 1) + (multi ? conv(gin, h, 1) : 0);

  const l = p.flow.nLayers;
  const wn = l * conv(h, 2 * h, p.flow.kernelSize) + (l - 1) * conv(h, 2 * h, 1) + conv(h, h, 1) + (multi ? conv(gin, 2 * h * l, 1) : 0);
  const flow = p.flow.nFlows * (conv(c / 2, h, 1) + wn + conv(h, c / 2, 1));

  const dec = p.decoder;
  let ch = dec.upsampleInitialChannel;
  let gen = conv(c, ch, 7) + (multi ? conv(gin, ch, 1) : 0);
  dec.upsampleRates.forEach((_, i) => {
    gen += conv(ch, ch / 2, dec.upsampleKernelSizes[i]!);
    ch /= 2;
    dec.resblockKernelSizes.forEach((kk, j) => (gen += dec.resblockDilationSizes[j]!.length * conv(ch, ch, kk)));
  });
  gen += conv(ch, 1, 7, false);
  return enc + dp + flow + gen + (multi ? speakers * gin : 0);
}

describe("preset sizes", () => {
  it("medium has Piper medium's 15-20 M parameters, exactly VITS's count", () => {
    const { parameterCount } = planVoice("medium");
    expect(parameterCount).toBe(expectedParameters(PRESETS.medium, 1));
    expect(parameterCount).toBeGreaterThan(15e6);
    expect(parameterCount).toBeLessThan(20e6);
  });

  it("x_low has Piper x_low's 5-7 M parameters, exactly VITS's count", () => {
    const { parameterCount } = planVoice("x_low");
    expect(parameterCount).toBe(expectedParameters(PRESETS.x_low, 1));
    expect(parameterCount).toBeGreaterThan(5e6);
    expect(parameterCount).toBeLessThan(7e6);
  });

  it("multi-speaker adds emb_g and the dp, flow and decoder conditions", () => {
    expect(planVoice("x_low", 4).parameterCount).toBe(expectedParameters(PRESETS.x_low, 4));
  });

  it("the deterministic duration predictor has VITS DurationPredictor's size", () => {
    const p = deterministicVariant(PRESETS.x_low);
    for (const speakers of [1, 3]) {
      expect(buildVitsGraph({ params: p, numSpeakers: speakers, seed: 1 }).parameterCount).toBe(expectedParameters(p, speakers));
    }
  });
});
