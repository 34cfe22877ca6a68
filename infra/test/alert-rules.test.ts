import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PATHS, RUNBOOK_BASE_URL } from "./lib/paths.js";
import { PRIORITY_OF_SEVERITY, alertRules, recordingRules, unDeduplicatedQueueReads } from "./lib/rules.js";

const alerts = alertRules();
const runbookFile = (url: string) => join(PATHS.runbooksDir, url.slice(RUNBOOK_BASE_URL.length));

describe("every alert carries what routing and on-call need", () => {
  it.each(alerts.map((a) => [a.alert, a.labels.severity, a]))("%s (%s)", (_name, _severity, alert) => {
    const { labels, annotations } = alert as (typeof alerts)[number];
    expect(Object.keys(PRIORITY_OF_SEVERITY)).toContain(labels.severity);
    expect(labels.priority).toBe(PRIORITY_OF_SEVERITY[labels.severity ?? ""]);
    expect(annotations.summary?.length).toBeGreaterThan(10);
    // The description says how bad it is: it renders the value or the labels.
    expect(annotations.description).toMatch(/\$value|\$labels/);
    expect(annotations.runbook_url?.startsWith(RUNBOOK_BASE_URL)).toBe(true);
    expect(existsSync(runbookFile(annotations.runbook_url ?? ""))).toBe(true);
  });

  it("gives each tier of an alert its own severity", () => {
    const keys = alerts.map((a) => `${a.alert}/${a.labels.severity}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("runbooks", () => {
  const byFile = new Map(alerts.map((a) => [runbookFile(a.annotations.runbook_url ?? ""), a.alert]));

  it.each([...byFile])("%s documents %s with the standard sections", (file, alert) => {
    const text = readFileSync(file, "utf8");
    expect(text.startsWith(`# ${alert}\n`)).toBe(true);
    for (const section of ["## Meaning", "## Impact", "## Diagnose", "## Resolve", "## Verify"]) expect(text).toContain(section);
  });

  it("has no page without an alert, and the index lists every alert", () => {
    const pages = readdirSync(PATHS.runbooksDir).filter((f) => f !== "README.md");
    expect(pages.map((f) => join(PATHS.runbooksDir, f)).sort()).toEqual([...byFile.keys()].sort());
    const index = readFileSync(join(PATHS.runbooksDir, "README.md"), "utf8");
    for (const alert of byFile.values()) expect(index).toContain(`| ${alert} |`);
  });
});

// The seed's alert table, as implemented: name, severity, `for`, threshold in the expr.
const SEED_ALERTS: [string, string, string, string][] = [
  ["TTSServerDown", "critical", "1m", "== 0"],
  ["TTSHighErrorRate", "critical", "5m", "> 0.10"],
  ["TTSHighErrorRate", "info", "15m", "> 0.01"],
  ["TTSHighLatency", "warning", "10m", "p99_rate5m > 5"],
  ["TTSHighLatency", "critical", "10m", "p99_rate5m >= 10"],
  ["TTSRealtimeFactorHigh", "warning", "10m", "> 1"],
  ["TTSGpuMemoryHigh", "warning", "5m", "> 0.90"],
  ["TTSGpuMemoryHigh", "critical", "5m", "> 0.95"],
  ["TTSQueueBacklog", "warning", "5m", "> 50"],
  ["TTSQueueBacklog", "info", "5m", "> 20"],
  ["TTSRedisDiskSpaceLow", "info", "15m", "< 0.10"],
];

describe("thresholds follow the seed document", () => {
  it.each(SEED_ALERTS)("%s %s: for %s, %s", (name, severity, duration, threshold) => {
    const alert = alerts.find((a) => a.alert === name && a.labels.severity === severity);
    expect(alert?.for).toBe(duration);
    expect(alert?.expr).toContain(threshold);
  });
});

describe("queue gauges are de-duplicated", () => {
  it.each([...alerts.map((a) => [a.alert, a.expr]), ...recordingRules().map((r) => [r.record, r.expr])])(
    "%s reads tts_queue_length / tts_queue_jobs only through max by (queue, state)",
    (_name, expr) => {
      expect(unDeduplicatedQueueReads(expr ?? "")).toEqual([]);
    },
  );

  it("the checker itself catches a raw sum", () => {
    expect(unDeduplicatedQueueReads("sum(tts_queue_length)")).toHaveLength(1);
    expect(unDeduplicatedQueueReads("sum by (queue) (max by (queue, state) (tts_queue_length))")).toEqual([]);
  });
});
