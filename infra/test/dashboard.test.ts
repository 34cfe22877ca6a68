import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderDashboard } from "../grafana/dashboard/write.js";
import { dashboardQueries, substituteVariables } from "./lib/dashboard.js";
import { PATHS } from "./lib/paths.js";
import { recordingRules, unDeduplicatedQueueReads } from "./lib/rules.js";
import { checkPromql } from "./lib/tools.js";

interface Target {
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; w: number };
  targets?: Target[];
  fieldConfig?: { defaults: { thresholds: { steps: { color: string; value: number | null }[] } } };
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  datasource?: { uid: string };
  allValue?: string;
}

const text = readFileSync(PATHS.dashboard, "utf8");
const dashboard = JSON.parse(text) as { schemaVersion: number; panels: Panel[]; templating: { list: Variable[] } };
const panels = dashboard.panels.filter((p) => p.type !== "row");
const byTitle = (title: string) => panels.find((p) => p.title === title);

describe("dashboards/voxqueue.json", () => {
  it("is what infra/grafana/dashboard/voxqueue.ts builds (run `pnpm --filter @voxqueue/infra dashboard:build`)", () => {
    expect(text).toBe(renderDashboard());
  });

  it("has schemaVersion >= 39, a prometheus datasource variable and regex-friendly model/queue variables", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get("datasource")).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const name of ["model", "queue"]) {
      expect(vars.get(name)).toMatchObject({ type: "query", allValue: ".*", datasource: { uid: "${datasource}" } });
    }
  });

  it("queries the $datasource variable from every panel and every target", () => {
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) expect(t.datasource.uid, panel.title).toBe("${datasource}");
    }
  });

  it("has unique ids and fits the 24-column grid", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  });

  it.each([
    ["Synthesis latency P50 / P95 / P99", "timeseries"],
    ["Real-time factor (RTF)", "gauge"],
    ["Throughput (req/min)", "stat"],
    ["Throughput by outcome (req/min)", "timeseries"],
    ["Error rate (%)", "gauge"],
    ["GPU memory (fullest GPU)", "gauge"],
    ["GPU memory used (%)", "timeseries"],
    ["Queue length", "stat"],
    ["Queue length by state", "timeseries"],
    ["Queue wait P50 / P95", "timeseries"],
    ["Jobs by status", "timeseries"],
    ["Jobs in progress per worker", "timeseries"],
    ["API requests by status code (req/s)", "timeseries"],
    ["Audio duration per job", "timeseries"],
    ["Process RSS", "timeseries"],
  ])("has the %s panel as a %s", (title, type) => {
    expect(byTitle(title)?.type).toBe(type);
  });

  it.each([
    ["Real-time factor (RTF)", [null, 0.5, 1], ["green", "yellow", "red"]],
    ["Error rate (%)", [null, 1, 5, 10], ["green", "yellow", "orange", "red"]],
    ["GPU memory (fullest GPU)", [null, 90, 95], ["green", "orange", "red"]],
    ["Queue length", [null, 20, 50], ["green", "yellow", "red"]],
  ])("colours %s at the seed's thresholds", (title, values, colors) => {
    const steps = byTitle(title as string)?.fieldConfig?.defaults.thresholds.steps ?? [];
    expect(steps.map((s) => s.value)).toEqual(values);
    expect(steps.map((s) => s.color)).toEqual(colors);
  });

  const exprs = dashboardQueries().map((q) => [`${q.panel} ${q.refId}`, q.expr] as const);

  it("has PromQL that promtool parses once variables are substituted", () => {
    const substituted = Object.fromEntries(exprs.map(([name, expr]) => [name, substituteVariables(expr)]));
    for (const [name, expr] of Object.entries(substituted)) expect(expr, name).not.toContain("$");
    const r = checkPromql(substituted);
    expect(r.status, r.output).toBe(0);
  });

  it("uses only recording rules that exist, and reads queue gauges de-duplicated", () => {
    const records = new Set(recordingRules().map((r) => r.record));
    for (const [name, expr] of exprs) {
      for (const used of expr.match(/[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g) ?? []) expect(records, `${name}: ${used}`).toContain(used);
      expect(unDeduplicatedQueueReads(expr), name).toEqual([]);
    }
  });
});
