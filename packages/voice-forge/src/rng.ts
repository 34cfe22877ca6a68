/**
 * Seeded random numbers for the synthetic weights: mulberry32 (a 32-bit generator,
 * period 2^32, public domain) with Box–Muller for normals. Each weight tensor gets its
 * own stream, derived from the forge seed and the tensor's name, so adding a layer never
 * shifts the values of the others and the same seed always gives the same bytes.
 */

/** A source of uniform numbers in [0, 1); what weight initialisers draw from. */
export interface RandomSource {
  /** Next uniform number in [0, 1). */
  uniform(): number;
}

/** 32-bit FNV-1a hash of a string (UTF-16 code units), used to name-derive streams. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes two 32-bit values into a well-spread 32-bit seed (murmur3 finaliser). */
export function mixSeeds(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export class Mulberry32 implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** The stream of one named tensor: `Mulberry32(mixSeeds(seed, fnv1a32(name)))`. */
export function streamFor(seed: number, name: string): Mulberry32 {
  return new Mulberry32(mixSeeds(seed >>> 0, fnv1a32(name)));
}

/**
 * Fills `out` with normal(mean, std) samples (Box–Muller, two samples per pair of
 * uniforms). Writes in place and returns `out`.
 */
export function fillNormal(rng: RandomSource, out: Float32Array, std: number, mean = 0): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    // 1 - u keeps the logarithm's argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
    const theta = 2 * Math.PI * rng.uniform();
    out[i] = mean + std * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta);
  }
  return out;
}

/** Fills `out` with uniform samples in [-bound, bound). Returns `out`. */
export function fillUniform(rng: RandomSource, out: Float32Array, bound: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}
