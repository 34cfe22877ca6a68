import { describe, expect, it } from "vitest";
import { scalingChartSvg } from "../scaling/chart.js";
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, decideReplicas, newHpaState, rawRecommendation, type ScalingRule } from "../scaling/hpa.js";
import { recommend } from "../scaling/recommend.js";
import { readScaledObjects, ruleFromScaledObject } from "../scaling/scaled-object.js";
import { simulate, type Workload } from "../scaling/simulate.js";
import { PATHS } from "./lib/paths.js";

const manifest = ruleFromScaledObject(readScaledObjects(`${PATHS.k8sDir}/worker-scaledobject.yaml`).get("voxqueue-worker")!);

const steady = (jobsPerSecond: number, seconds: number): Workload => ({
  phases: [{ untilSeconds: seconds, jobsPerSecond }],
  serviceSeconds: 1,
  concurrency: 2,
  podStartSeconds: 30,
  metricLagSeconds: 15,
  seed: 3,
});

describe("the ScaledObject as a scaling rule", () => {
  it("reads the manifest's threshold, bounds, polling and HPA behaviour", () => {
    expect(manifest).toMatchObject({ threshold: 5, minReplicas: 1, maxReplicas: 8, pollingIntervalSeconds: 15, cooldownSeconds: 300 });
    expect(manifest.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 4, periodSeconds: 60 }] });
    expect(manifest.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(manifest.scaleDown.policies).toEqual([{ type: "Pods", value: 1, periodSeconds: 120 }]);
  });

  it("falls back to KEDA's and the HPA's defaults for what a ScaledObject leaves out", () => {
    const rule = ruleFromScaledObject({ spec: { triggers: [{ metadata: { threshold: "5" } }] } });
    expect(rule).toMatchObject({ threshold: 5, minReplicas: 0, maxReplicas: 100, pollingIntervalSeconds: 30, cooldownSeconds: 300 });
    expect(rule.scaleUp).toEqual(DEFAULT_SCALE_UP);
    expect(rule.scaleDown).toEqual(DEFAULT_SCALE_DOWN);
  });
});

describe("the HPA's decision", () => {
  it("asks for ceil(backlog / threshold) replicas, and keeps the count within the 10 % tolerance", () => {
    const rule = { ...manifest, threshold: 10 };
    expect(rawRecommendation(rule, 35, 1)).toBe(4);
    expect(rawRecommendation(rule, 0, 3)).toBe(0);
    expect(rawRecommendation(rule, 31, 3)).toBe(3); // 31 / 30 = 1.03: within tolerance
    expect(rawRecommendation(rule, 34, 3)).toBe(4);
  });

  it("scales up at most 4 pods per 60 s, as the manifest's scaleUp policy says", () => {
    const state = newHpaState();
    expect(decideReplicas(manifest, state, 1000, 1, 0)).toBe(5);
    expect(decideReplicas(manifest, state, 1000, 5, 15)).toBe(5);
    expect(decideReplicas(manifest, state, 1000, 5, 45)).toBe(5);
    expect(decideReplicas(manifest, state, 1000, 5, 60)).toBe(8); // 9 wanted, maxReplicaCount 8
  });

  it("holds replicas for the 300 s stabilization window (its start included), then removes one per 120 s", () => {
    const state = newHpaState();
    let replicas = decideReplicas(manifest, state, 80, 8, 0); // 80 / 5 = 16 wanted, max 8
    expect(replicas).toBe(8);
    const seen: Array<[number, number]> = [];
    for (let t = 15; t <= 900; t += 15) {
      const next = decideReplicas(manifest, state, 0, replicas, t);
      if (next !== replicas) seen.push([t, next]);
      replicas = next;
    }
    expect(seen[0]).toEqual([315, 7]);
    expect(seen[1]).toEqual([435, 6]);
    expect(seen.every(([, r], i) => i === 0 || r === seen[i - 1]![1] - 1)).toBe(true);
    expect(replicas).toBeGreaterThanOrEqual(manifest.minReplicas);
  });

  it("with minReplicaCount 0, scales to zero only after the cooldown with nothing queued", () => {
    const rule: ScalingRule = { ...manifest, minReplicas: 0, cooldownSeconds: 120, scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 0 } };
    const state = newHpaState();
    expect(decideReplicas(rule, state, 3, 0, 0)).toBe(1);
    expect(decideReplicas(rule, state, 0, 1, 60)).toBe(1);
    expect(decideReplicas(rule, state, 0, 1, 120)).toBe(0);
  });
});

describe("the fleet simulation", () => {
  it("is reproducible: the same seed gives the same run", () => {
    expect(simulate(manifest, steady(1, 300))).toEqual(simulate(manifest, steady(1, 300)));
  });

  it("under capacity, keeps the queue short and completes every job", () => {
    const run = simulate(manifest, steady(1, 600)); // 1 job/s against 2 jobs/s of one worker
    expect(run.jobs).toBeGreaterThan(500);
    expect(run.jobs - run.completed).toBeLessThanOrEqual(2); // the last ones still running at the end
    expect(run.waitP95).toBeLessThan(3);
    expect(run.maxReplicas).toBe(1);
  });

  it("over capacity with the fleet capped, the backlog grows and waits follow it", () => {
    const capped = simulate({ ...manifest, maxReplicas: 1 }, steady(4, 300));
    const queued = capped.samples.map((s) => s.queued);
    expect(queued.at(-1)!).toBeGreaterThan(400);
    expect(capped.waitP95).toBeGreaterThan(100);
    const scaled = simulate(manifest, steady(4, 300));
    expect(scaled.maxReplicas).toBeGreaterThan(1);
    expect(scaled.waitP95).toBeLessThan(capped.waitP95);
  });

  it("new workers take jobs only after they have started", () => {
    const slow = { ...steady(4, 300), podStartSeconds: 120 };
    const run = simulate(manifest, slow);
    const firstMore = run.samples.find((s) => s.ready > 1)!;
    const firstAsked = run.samples.find((s) => s.desired > 1)!;
    expect(firstMore.t - firstAsked.t).toBeGreaterThanOrEqual(115);
  });
});

describe("the recommendation", () => {
  const load: Workload = {
    phases: [
      { untilSeconds: 300, jobsPerSecond: 1 },
      { untilSeconds: 480, jobsPerSecond: 4 },
      { untilSeconds: 900, jobsPerSecond: 1 },
    ],
    serviceSeconds: 1.5,
    concurrency: 2,
    podStartSeconds: 60,
    metricLagSeconds: 15,
    seed: 11,
  };

  it("meets the target and no cheaper setting tried does", () => {
    const advice = recommend(manifest, load, 30, 12);
    expect(advice.best).not.toBeNull();
    expect(advice.best!.result.waitP95).toBeLessThanOrEqual(30);
    const cheaper = advice.trials.filter((t) => t.result.replicaSeconds < advice.best!.result.replicaSeconds);
    expect(cheaper.length).toBeGreaterThan(0);
    expect(cheaper.every((t) => !t.meetsTarget)).toBe(true);
  });

  it("says when nothing tried meets an impossible target", () => {
    expect(recommend(manifest, { ...load, podStartSeconds: 600 }, 0.001, 4).best).toBeNull();
  });
});

describe("the chart", () => {
  it("is an SVG with one line per run and panel", async () => {
    const run = simulate(manifest, steady(1, 120));
    const svg = await scalingChartSvg(
      [
        { label: "a", samples: run.samples },
        { label: "b", samples: run.samples },
      ],
      "test",
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("queued jobs (KEDA metric)");
    expect((svg.match(/<path[^>]*class="[^"]*"[^>]*d="M/g) ?? []).length + (svg.match(/aria-roledescription="line mark"/g) ?? []).length).toBeGreaterThan(0);
  });
});
