import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { scalingChartSvg } from "./chart.js";
import { recommend } from "./recommend.js";
import { readScaledObjects, ruleFromScaledObject } from "./scaled-object.js";
import { simulate, type Workload } from "./simulate.js";

const HELP = `Usage: pnpm --filter @voxqueue/infra scaling [options]

Simulates the worker fleet under KEDA + the HPA as infra/k8s/worker-scaledobject.yaml
configures it: a steady load, a burst, then steady again. Prints queue wait and cost for
the manifest's setting and the cheapest threshold / maxReplicaCount that meets the p95
wait target, and writes a chart (SVG) of both runs.

  --steady JOBS_PER_S     steady arrival rate (default 1)
  --burst JOBS_PER_S      arrival rate during the burst (default 4)
  --burst-minutes M       burst length (default 5)
  --service-seconds S     seconds one job holds a worker slot (default 1.5: a 30 s paragraph
                          at RTF 0.05, the medium voice in pnpm bench)
  --concurrency N         WORKER_CONCURRENCY (default: the worker Deployment's, 2)
  --pod-start-seconds S   pod created → taking jobs (default 60)
  --metric-lag-seconds S  scrape interval + rule evaluation (default 15)
  --target-p95-seconds S  queue-wait target over all jobs of the run (default 30)
  --chart PATH            where to write the SVG (default docs/scaling.svg)
  --json                  print the report as JSON
  -h, --help              this text`;

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

async function main() {
  const { values } = parseArgs({
    options: {
      steady: { type: "string", default: "1" },
      burst: { type: "string", default: "4" },
      "burst-minutes": { type: "string", default: "5" },
      "service-seconds": { type: "string", default: "1.5" },
      concurrency: { type: "string", default: "2" },
      "pod-start-seconds": { type: "string", default: "60" },
      "metric-lag-seconds": { type: "string", default: "15" },
      "target-p95-seconds": { type: "string", default: "30" },
      chart: { type: "string", default: repo("docs/scaling.svg") },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const number = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${values[name]}`);
    return n;
  };
  const object = readScaledObjects(repo("infra/k8s/worker-scaledobject.yaml")).get("voxqueue-worker");
  if (!object) throw new Error("infra/k8s/worker-scaledobject.yaml has no ScaledObject voxqueue-worker");
  const rule = ruleFromScaledObject(object);
  const burstStart = 10 * 60;
  const burstEnd = burstStart + number("burst-minutes") * 60;
  const load: Workload = {
    phases: [
      { untilSeconds: burstStart, jobsPerSecond: number("steady") },
      { untilSeconds: burstEnd, jobsPerSecond: number("burst") },
      { untilSeconds: burstEnd + 15 * 60, jobsPerSecond: number("steady") },
    ],
    serviceSeconds: number("service-seconds"),
    concurrency: Math.max(1, Math.round(number("concurrency"))),
    podStartSeconds: number("pod-start-seconds"),
    metricLagSeconds: number("metric-lag-seconds"),
    serviceJitter: 0.3,
    seed: 7,
  };
  const target = number("target-p95-seconds");
  const current = simulate(rule, load);
  const advice = recommend(rule, load, target);
  const summary = (r: typeof current) => ({
    waitP50: r.waitP50,
    waitP95: r.waitP95,
    waitP99: r.waitP99,
    maxQueued: r.maxQueued,
    peakReplicas: r.maxReplicas,
    replicaHours: r.replicaSeconds / 3600,
  });
  const report = {
    workload: load,
    manifest: { threshold: rule.threshold, minReplicas: rule.minReplicas, maxReplicas: rule.maxReplicas, ...summary(current) },
    targetWaitP95Seconds: target,
    recommended: advice.best && {
      threshold: advice.best.threshold,
      minReplicas: advice.best.minReplicas,
      maxReplicas: advice.best.maxReplicas,
      ...summary(advice.best.result as typeof current),
    },
    settingsTried: advice.trials.length,
  };
  const runs = [{ label: `manifest: threshold ${rule.threshold}, min ${rule.minReplicas}, max ${rule.maxReplicas}`, samples: current.samples }];
  if (advice.best) {
    const { threshold, minReplicas, maxReplicas } = advice.best;
    const best = simulate({ ...rule, threshold, minReplicas, maxReplicas }, load);
    runs.push({ label: `recommended: threshold ${threshold}, min ${minReplicas}, max ${maxReplicas}`, samples: best.samples });
  }
  const title =
    `steady ${values.steady}/s, burst ${values.burst}/s for ${values["burst-minutes"]} min, ` +
    `${load.serviceSeconds} s/job × ${load.concurrency} per worker, pod start ${load.podStartSeconds} s`;
  writeFileSync(values.chart!, await scalingChartSvg(runs, title));
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const f = (x: number) => x.toFixed(1);
  type Row = ReturnType<typeof summary> & { threshold: number; minReplicas: number; maxReplicas: number };
  const line = (name: string, r: Row) =>
    `${name.padEnd(12)} threshold ${String(r.threshold).padStart(3)}  min ${String(r.minReplicas).padStart(2)}  ` +
    `max ${String(r.maxReplicas).padStart(3)}  ` +
    `wait p50/p95/p99 ${f(r.waitP50)}/${f(r.waitP95)}/${f(r.waitP99)} s  max queued ${r.maxQueued}  peak workers ${r.peakReplicas}  worker-hours ${r.replicaHours.toFixed(2)}`;
  console.log(line("manifest", report.manifest));
  console.log(
    report.recommended ? line("recommended", report.recommended) : `no setting tried (${report.settingsTried}, up to 32 workers) meets p95 ≤ ${target} s`,
  );
  console.log(`chart: ${values.chart}`);
}

main().catch((err: Error) => {
  console.error(`scaling: ${err.message}`);
  process.exit(2);
});
