import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { METRIC } from "@voxqueue/telemetry";
import { describe, expect, it } from "vitest";
import { dashboardQueries } from "./lib/dashboard.js";
import { PATHS } from "./lib/paths.js";
import { alertRules, recordingRules } from "./lib/rules.js";

/** Raw `tts_*` metric names in an expression (recorded names contain `:` and are skipped). */
function rawMetricNames(expr: string): string[] {
  return [...expr.matchAll(/(?<![\w:])(tts_[a-z_]+)(?![\w:])/g)].map((m) => (m[1] ?? "").replace(/_(bucket|sum|count)$/, ""));
}

const exported = new Set<string>(Object.values(METRIC));
const k8sText = readdirSync(PATHS.k8sDir)
  .map((f) => readFileSync(join(PATHS.k8sDir, f), "utf8"))
  .join("\n");
const sources: [string, string][] = [
  ...alertRules().map((r): [string, string] => [`alert ${r.alert}`, r.expr]),
  ...recordingRules().map((r): [string, string] => [`record ${r.record}`, r.expr]),
  ...dashboardQueries().map((q): [string, string] => [`panel ${q.panel}`, q.expr]),
  ["infra/k8s", k8sText],
];

// The names come from @voxqueue/telemetry, the only place that defines them: a
// renamed metric breaks this test instead of silently emptying a panel or an alert.
describe("metric names match what the apps export", () => {
  it.each(sources)("%s uses only exported tts_* metrics", (_name, expr) => {
    for (const name of rawMetricNames(expr)) expect(exported, name).toContain(name);
  });

  it("every exported metric is used by a rule or a panel", () => {
    const used = new Set(sources.flatMap(([, expr]) => rawMetricNames(expr)));
    expect([...exported].filter((m) => !used.has(m))).toEqual([]);
  });
});
