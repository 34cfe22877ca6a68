import { type GraphBuilder, int, ints } from "../onnx/builder";

/**
 * Inverse of the unconstrained rational-quadratic spline with linear tails (Durkan et
 * al., "Neural Spline Flows"; VITS `transforms.py`), as the stochastic duration
 * predictor's `ConvFlow` applies it at inference.
 *
 * Where VITS gathers the bin of each input with `searchsorted` + `gather` (the
 * GatherElements of rhasspy/piper#520), this picks the bin with a one-hot mask and a
 * sum, so no index can go out of range. Inputs outside `[-B, B]` pass through unchanged
 * (linear tails); the spline is evaluated on the clipped input so the unused branch
 * stays finite.
 */

/** Spline constants (VITS `DEFAULT_MIN_BIN_WIDTH` etc. and the ConvFlow arguments). */
export interface SplineOptions {
  numBins: number;
  tailBound: number;
  /** Width/height logits are divided by sqrt(filterChannels), as ConvFlow does. */
  filterChannels: number;
  minBinWidth?: number;
  minBinHeight?: number;
  minDerivative?: number;
}

/**
 * @param x `[1, 1, T]` values to invert
 * @param params `[1, 3 * numBins - 1, T]` spline parameters (ConvFlow's `proj` output)
 * @returns `[1, 1, T]`
 */
export function rationalQuadraticInverse(b: GraphBuilder, x: string, params: string, o: SplineOptions): string {
  const nb = o.numBins;
  const bound = o.tailBound;
  const minW = o.minBinWidth ?? 1e-3;
  const minH = o.minBinHeight ?? 1e-3;
  const minD = o.minDerivative ?? 1e-3;
  const c = (v: number) => b.constFloat([v], []);
  const last = (t: string, start: number, end: number) => b.op("Slice", [t, b.constInt64([start]), b.constInt64([end]), b.constInt64([3])]);
  const pick = (values: string, onehot: string) => b.op("ReduceSum", [b.op("Mul", [values, onehot]), b.constInt64([3])], { keepdims: int(1) });

  // [B, 3nb-1, T] → [B, 1, T, 3nb-1]
  const h = b.op("Transpose", [b.op("Reshape", [params, b.constInt64([0, 1, 3 * nb - 1, -1])])], { perm: ints([0, 1, 3, 2]) });
  const scale = c(1 / Math.sqrt(o.filterChannels));
  const rawWidths = b.op("Mul", [last(h, 0, nb), scale]);
  const rawHeights = b.op("Mul", [last(h, nb, 2 * nb), scale]);
  const rawDerivs = last(h, 2 * nb, 3 * nb - 1);

  const xin = b.op("Unsqueeze", [x, b.constInt64([3])]); // [1, 1, T, 1]
  const inside = b.op("And", [b.op("GreaterOrEqual", [xin, c(-bound)]), b.op("LessOrEqual", [xin, c(bound)])]);
  const xc = b.op("Clip", [xin, c(-bound), c(bound)]);

  // A zero column [1, 1, T, 1] to build the fixed end knots.
  const zeroCol = b.op("Mul", [last(h, 0, 1), c(0)]);
  const col = (v: number) => b.op("Add", [zeroCol, c(v)]);

  /** Knots at -B .. B from bin logits (softmax, min size, cumsum, exact ends). */
  const knots = (logits: string, minSize: number, lastKnot: number) => {
    const sizes = b.op("Add", [b.op("Mul", [b.op("Softmax", [logits], { axis: int(-1) }), c(1 - minSize * nb)]), c(minSize)]);
    const cum = b.op("CumSum", [sizes, b.constInt64([3], [])]);
    const inner = b.op("Sub", [b.op("Mul", [last(cum, 0, nb - 1), c(2 * bound)]), c(bound)]);
    return b.op("Concat", [col(-bound), inner, col(lastKnot)], { axis: int(3) });
  };
  const knotsW = knots(rawWidths, minW, bound);
  const knotsH = knots(rawHeights, minH, bound);
  const widths = b.op("Sub", [last(knotsW, 1, nb + 1), last(knotsW, 0, nb)]);
  const heights = b.op("Sub", [last(knotsH, 1, nb + 1), last(knotsH, 0, nb)]);
  // Derivatives at the knots; the ends are fixed so softplus gives exactly 1 there.
  const endLogit = Math.log(Math.exp(1 - minD) - 1);
  const derivs = b.op("Add", [b.op("Softplus", [b.op("Concat", [col(endLogit), rawDerivs, col(endLogit)], { axis: int(3) })]), c(minD)]);

  // Bin of each input among the height knots (the last knot nudged up by 1e-6 as in VITS).
  const locations = b.op("Concat", [last(knotsH, 0, nb), col(bound + 1e-6)], { axis: int(3) });
  const ge = b.op("Cast", [b.op("GreaterOrEqual", [xc, locations])], { to: int(1) });
  const onehot = b.op("Sub", [last(ge, 0, nb), last(ge, 1, nb + 1)]);

  const cumW = pick(last(knotsW, 0, nb), onehot);
  const binW = pick(widths, onehot);
  const cumH = pick(last(knotsH, 0, nb), onehot);
  const binH = pick(heights, onehot);
  const delta = pick(b.op("Div", [heights, widths]), onehot);
  const d0 = pick(last(derivs, 0, nb), onehot);
  const d1 = pick(last(derivs, 1, nb + 1), onehot);

  // Solve the rational quadratic for the position inside the bin.
  const dy = b.op("Sub", [xc, cumH]);
  const slope = b.op("Sub", [b.op("Add", [d0, d1]), b.op("Mul", [delta, c(2)])]);
  const dySlope = b.op("Mul", [dy, slope]);
  const qa = b.op("Add", [dySlope, b.op("Mul", [binH, b.op("Sub", [delta, d0])])]);
  const qb = b.op("Sub", [b.op("Mul", [binH, d0]), dySlope]);
  const qc = b.op("Neg", [b.op("Mul", [delta, dy])]);
  // Relu guards rounding: the discriminant is >= 0 in exact arithmetic.
  const disc = b.op("Relu", [b.op("Sub", [b.op("Mul", [qb, qb]), b.op("Mul", [b.op("Mul", [qa, qc]), c(4)])])]);
  const theta = b.op("Div", [b.op("Mul", [qc, c(2)]), b.op("Sub", [b.op("Neg", [qb]), b.op("Sqrt", [disc])])]);
  const y = b.op("Add", [b.op("Mul", [theta, binW]), cumW]);

  return b.op("Squeeze", [b.op("Where", [inside, y, xin]), b.constInt64([3])]);
}
