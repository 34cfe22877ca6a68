import type { ScalingRule } from "./hpa.js";
import { simulate, type SimulationResult, type Workload } from "./simulate.js";

/** One setting tried by `recommend`, with what the simulation gave for it. */
export interface Trial {
  threshold: number;
  minReplicas: number;
  maxReplicas: number;
  result: Omit<SimulationResult, "samples">;
  meetsTarget: boolean;
}

export interface Recommendation {
  /** The cheapest setting (fewest pod-seconds) whose p95 wait meets the target; null if none does. */
  best: Trial | null;
  trials: Trial[];
  targetWaitP95Seconds: number;
}

/** Thresholds tried: queued jobs per replica. */
export const THRESHOLDS = [1, 2, 3, 5, 8, 10, 15, 20, 30, 50] as const;
/** Floors tried: a burst faster than pods start can only be met by replicas already running. */
export const MIN_REPLICAS = [1, 2, 3, 4, 6, 8] as const;

/**
 * Tries every threshold in THRESHOLDS and floor in MIN_REPLICAS with maxReplicas from
 * the floor up to `maxReplicasCeiling`, all on the same workload (same seed, so the same
 * arrivals), and keeps the cheapest (fewest pod-seconds) that meets
 * `targetWaitP95Seconds`; ties go to the larger threshold (fewer idle pods), then the
 * smaller floor and maxReplicas.
 */
export function recommend(rule: ScalingRule, load: Workload, targetWaitP95Seconds: number, maxReplicasCeiling = 32): Recommendation {
  const trials: Trial[] = [];
  for (const threshold of THRESHOLDS) {
    for (const minReplicas of MIN_REPLICAS) {
      for (let maxReplicas = minReplicas; maxReplicas <= maxReplicasCeiling; maxReplicas += 1) {
        const { samples: _samples, ...result } = simulate({ ...rule, threshold, minReplicas, maxReplicas }, load);
        const meetsTarget = result.waitP95 <= targetWaitP95Seconds;
        trials.push({ threshold, minReplicas, maxReplicas, result, meetsTarget });
        // A larger maxReplicas only matters while the fleet hit the bound.
        if (result.maxReplicas < maxReplicas) break;
      }
    }
  }
  const feasible = trials.filter((t) => t.meetsTarget);
  feasible.sort(
    (a, b) => a.result.replicaSeconds - b.result.replicaSeconds || b.threshold - a.threshold || a.minReplicas - b.minReplicas || a.maxReplicas - b.maxReplicas,
  );
  return { best: feasible[0] ?? null, trials, targetWaitP95Seconds };
}
