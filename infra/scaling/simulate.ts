import { decideReplicas, newHpaState, type ScalingRule } from "./hpa.js";

/** A period of constant arrival rate. Rates are jobs per second, times seconds from the start. */
export interface ArrivalPhase {
  untilSeconds: number;
  jobsPerSecond: number;
}

/** What the fleet does and how traffic arrives. */
export interface Workload {
  /** Arrival rate by phase, in order; the last phase's `untilSeconds` ends the run. */
  phases: ArrivalPhase[];
  /** Seconds one job holds one worker slot (from `pnpm bench`: synthesis + overhead at this concurrency). */
  serviceSeconds: number;
  /** Jobs one worker runs at once (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Seconds from a pod being created to taking jobs (scheduling, image, voice load, probes). */
  podStartSeconds: number;
  /** Age of the backlog the HPA sees: Prometheus scrape interval plus rule evaluation, seconds. */
  metricLagSeconds: number;
  /** Replicas running at time 0 (at least `minReplicas`). */
  initialReplicas?: number;
  /** Seed of the Poisson arrivals and service-time jitter (same seed, same run). */
  seed?: number;
  /** Relative spread of service times, 0 = all equal (uniform ± this share). */
  serviceJitter?: number;
}

/** One sample of the run, every `sampleSeconds`. */
export interface Sample {
  t: number;
  /** Waiting jobs (the KEDA metric, exactly: queued, not active). */
  queued: number;
  active: number;
  /** Pods taking jobs. */
  ready: number;
  /** Pods the HPA wants (ready + starting). */
  desired: number;
  /** p95 queue wait of the jobs that started in the last minute, seconds. */
  waitP95: number;
}

export interface SimulationResult {
  samples: Sample[];
  jobs: number;
  completed: number;
  waitP50: number;
  waitP95: number;
  waitP99: number;
  maxQueued: number;
  maxReplicas: number;
  /** Pod-seconds paid for (starting pods included): the cost side of a setting. */
  replicaSeconds: number;
}

/** mulberry32: a small seeded PRNG, so every run of a setting is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson-distributed count with mean `mean` (Knuth's method; fine for the small means of one step). */
function poisson(mean: number, random: () => number) {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

export function percentile(sorted: number[], q: number) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Pod {
  readyAt: number;
  /** Finish times of the jobs it runs. */
  running: number[];
  draining: boolean;
}

const STEP_SECONDS = 0.5;
const SAMPLE_SECONDS = 5;

/**
 * Simulates the queue and the autoscaled fleet in steps of 0.5 s: Poisson arrivals,
 * FIFO dispatch to free slots of ready pods, the HPA deciding every `hpaSyncSeconds`
 * on the backlog as it was `metricLagSeconds` ago, new pods ready after
 * `podStartSeconds`, removed pods draining their running jobs (as the worker does on
 * SIGTERM). Deterministic for a given seed.
 */
export function simulate(rule: ScalingRule, load: Workload): SimulationResult {
  const random = rng(load.seed ?? 1);
  const end = load.phases.at(-1)?.untilSeconds ?? 0;
  const jitter = load.serviceJitter ?? 0;
  const pods: Pod[] = Array.from({ length: Math.max(rule.minReplicas, load.initialReplicas ?? rule.minReplicas) }, () => ({
    readyAt: 0,
    running: [],
    draining: false,
  }));
  const queue: number[] = []; // arrival times, FIFO
  let head = 0;
  const waits: number[] = [];
  const recentStarts: Array<{ t: number; wait: number }> = [];
  const backlogHistory: Array<{ t: number; queued: number }> = [];
  const hpa = newHpaState();
  const samples: Sample[] = [];
  let jobs = 0;
  let completed = 0;
  let maxQueued = 0;
  let maxReplicas = pods.length;
  let replicaSeconds = 0;
  let nextSync = 0;
  let nextSample = 0;

  for (let step = 0; step * STEP_SECONDS <= end; step += 1) {
    const t = step * STEP_SECONDS;
    const rate = load.phases.find((p) => t < p.untilSeconds)?.jobsPerSecond ?? 0;
    const arrivals = poisson(rate * STEP_SECONDS, random);
    for (let i = 0; i < arrivals; i += 1) queue.push(t + random() * STEP_SECONDS);
    jobs += arrivals;

    for (const pod of pods) {
      const before = pod.running.length;
      pod.running = pod.running.filter((finish) => finish > t);
      completed += before - pod.running.length;
    }
    // Drained pods leave once their last job is done.
    for (let i = pods.length - 1; i >= 0; i -= 1) if (pods[i]!.draining && pods[i]!.running.length === 0) pods.splice(i, 1);

    for (const pod of pods) {
      if (pod.draining || pod.readyAt > t) continue;
      while (pod.running.length < load.concurrency && head < queue.length) {
        const arrived = queue[head]!;
        head += 1;
        const wait = Math.max(0, t - arrived);
        waits.push(wait);
        recentStarts.push({ t, wait });
        const service = load.serviceSeconds * (1 + jitter * (2 * random() - 1));
        pod.running.push(t + service);
      }
    }
    if (head > 4096 && head > queue.length / 2) {
      queue.splice(0, head);
      head = 0;
    }
    const queued = queue.length - head;
    maxQueued = Math.max(maxQueued, queued);
    backlogHistory.push({ t, queued });

    if (t >= nextSync) {
      nextSync += rule.hpaSyncSeconds;
      const seenAt = t - load.metricLagSeconds;
      while (backlogHistory.length > 1 && backlogHistory[1]!.t <= seenAt) backlogHistory.shift();
      const seen = backlogHistory[0]!.t <= seenAt ? backlogHistory[0]!.queued : 0;
      const serving = pods.filter((p) => !p.draining);
      const next = decideReplicas(rule, hpa, seen, serving.length, t);
      if (next > serving.length) {
        for (let i = serving.length; i < next; i += 1) pods.push({ readyAt: t + load.podStartSeconds, running: [], draining: false });
      } else if (next < serving.length) {
        // The ReplicaSet removes pods that are not ready first, then the youngest.
        const order = [...serving].sort((a, b) => b.readyAt - a.readyAt);
        for (const pod of order.slice(0, serving.length - next)) pod.draining = true;
      }
      maxReplicas = Math.max(maxReplicas, next);
    }
    replicaSeconds += pods.length * STEP_SECONDS;

    if (t >= nextSample) {
      nextSample += SAMPLE_SECONDS;
      while (recentStarts.length > 0 && recentStarts[0]!.t < t - 60) recentStarts.shift();
      samples.push({
        t,
        queued,
        active: pods.reduce((n, p) => n + p.running.length, 0),
        ready: pods.filter((p) => !p.draining && p.readyAt <= t).length,
        desired: pods.filter((p) => !p.draining).length,
        waitP95: percentile(
          recentStarts.map((s) => s.wait).sort((a, b) => a - b),
          0.95,
        ),
      });
    }
  }
  // Jobs still queued at the end have waited at least this long: count them, or a
  // setting that never catches up would look good.
  for (let i = head; i < queue.length; i += 1) waits.push(end - queue[i]!);
  waits.sort((a, b) => a - b);
  return {
    samples,
    jobs,
    completed,
    waitP50: percentile(waits, 0.5),
    waitP95: percentile(waits, 0.95),
    waitP99: percentile(waits, 0.99),
    maxQueued,
    maxReplicas,
    replicaSeconds,
  };
}
