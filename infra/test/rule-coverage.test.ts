import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PATHS } from "./lib/paths.js";
import { alertRules, readYaml, recordingRules } from "./lib/rules.js";

interface RuleTestFile {
  tests: {
    alert_rule_test?: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[];
    promql_expr_test?: { expr: string }[];
  }[];
}

const testFiles = readdirSync(PATHS.ruleTestsDir)
  .filter((f) => f.endsWith(".test.yml"))
  .map((f) => readYaml<RuleTestFile>(join(PATHS.ruleTestsDir, f)));
const alertTests = testFiles.flatMap((f) => f.tests.flatMap((t) => t.alert_rule_test ?? []));
const exprTests = testFiles.flatMap((f) => f.tests.flatMap((t) => t.promql_expr_test ?? []));

// promtool only runs the tests that exist; these checks make sure they exist.
describe("promtool unit tests cover every rule", () => {
  it.each(alertRules().map((r) => [r.alert, r.labels.severity]))("%s (%s) has a test where it fires", (alert, severity) => {
    const fired = alertTests.filter((t) => t.alertname === alert).flatMap((t) => t.exp_alerts);
    expect(fired.some((a) => a.exp_labels.severity === severity)).toBe(true);
  });

  it.each([...new Set(alertRules().map((r) => r.alert))])("%s has a test where it stays quiet", (alert) => {
    expect(alertTests.some((t) => t.alertname === alert && t.exp_alerts.length === 0)).toBe(true);
  });

  it.each(recordingRules().map((r) => r.record))("%s has an exact-value test", (record) => {
    expect(exprTests.some((t) => t.expr === record || t.expr.startsWith(`${record}{`))).toBe(true);
  });
});
