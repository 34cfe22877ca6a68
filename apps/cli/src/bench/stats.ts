import { loadavg } from "node:os";
import { spread, type Spread } from "../bench-lib.js";

export { spread, type Spread };

/** p50 and p99 of a set of samples, plus how many there were. */
export interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

/**
 * The `q` quantile (0–1) of `values`, nearest-rank (the smallest value with at least
 * `q` of the samples at or below it). @throws RangeError on an empty list
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("quantile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** p50 and p99 (nearest rank) of `values`. */
export function percentiles(values: readonly number[]): Percentiles {
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99), n: values.length };
}

/** The 1-minute load average, sampled while a measure runs: min and max of the samples. */
export class LoadSampler {
  private readonly samples: number[] = [loadavg()[0]!];
  private readonly timer = setInterval(() => this.samples.push(loadavg()[0]!), 1000);

  constructor() {
    this.timer.unref();
  }

  /** Stops sampling; the range seen. */
  stop(): { min: number; max: number } {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]!);
    return { min: Math.min(...this.samples), max: Math.max(...this.samples) };
  }
}

/**
 * Runs `rounds` rounds of every measure, interleaved (A B C, B C A, C A B, ...: each
 * round starts one later, so no measure always runs first after a pause), and returns
 * each measure's values in round order. A shared machine's load then falls on all the
 * measures alike, and a ratio between two of them taken round by round cancels it.
 */
export async function interleave<K extends string>(
  rounds: number,
  measures: Record<K, () => Promise<number>>,
  onRound?: (round: number) => void,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(measures) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    onRound?.(r);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + r) % keys.length]!;
      out[key].push(await measures[key]());
    }
  }
  return out;
}

/** Round-by-round ratio `a[i] / b[i]` as a spread (the lists come from one {@link interleave}). */
export function ratioSpread(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x / b[i]!));
}
