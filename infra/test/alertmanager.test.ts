import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PATHS } from "./lib/paths.js";
import { alertRules } from "./lib/rules.js";
import { runTool } from "./lib/tools.js";

const RECEIVER_OF_PRIORITY: Record<string, string> = { P1: "pagerduty-p1", P2: "slack-p2", P3: "email-p3" };

/** `amtool config routes test`: the receivers an alert with these labels reaches. */
function routeOf(labels: Record<string, string>, expected: string) {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  // --verify.receivers makes amtool itself exit non-zero on a mismatch.
  return runTool("amtool", ["config", "routes", "test", `--config.file=${PATHS.alertmanagerConfig}`, `--verify.receivers=${expected}`, ...args]);
}

describe("alertmanager.yml", () => {
  it("passes amtool check-config (templates included)", () => {
    const r = runTool("amtool", ["check-config", PATHS.alertmanagerConfig]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("1 templates");
  });

  it.each(Object.entries(RECEIVER_OF_PRIORITY))("routes %s to %s", (priority, receiver) => {
    const r = routeOf({ alertname: "Example", priority }, receiver);
    expect(r.status, r.output).toBe(0);
    expect(r.stdout.trim()).toBe(receiver);
  });

  it("sends an alert without priority to Slack, where someone looks", () => {
    const r = routeOf({ alertname: "Unlabelled" }, "slack-p2");
    expect(r.status, r.output).toBe(0);
  });

  it.each(alertRules().map((a) => [a.alert, a.labels.severity, a.labels]))("routes %s (%s) by its priority", (alert, _severity, labels) => {
    const all: Record<string, string> = { alertname: alert as string, ...(labels as Record<string, string>) };
    const r = routeOf(all, RECEIVER_OF_PRIORITY[all.priority ?? ""] ?? "missing-priority");
    expect(r.status, r.output).toBe(0);
  });

  it("holds no secret: every credential is a *_file reference", () => {
    const text = readFileSync(PATHS.alertmanagerConfig, "utf8");
    const config = parse(text) as unknown;
    const inline: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`));
      else if (node && typeof node === "object")
        for (const [k, v] of Object.entries(node)) {
          if (/^(routing_key|service_key|api_url|auth_password|smtp_auth_password|api_key|bot_token|auth_secret)$/.test(k)) inline.push(`${path}.${k}`);
          walk(v, `${path}.${k}`);
        }
    };
    walk(config, "");
    expect(inline).toEqual([]);
    expect(text).not.toMatch(/hooks\.slack\.com|events\.pagerduty\.com/);
  });

  it("lets a down target silence the other alerts of the same target", () => {
    const config = parse(readFileSync(PATHS.alertmanagerConfig, "utf8")) as {
      inhibit_rules: { source_matchers: string[]; equal: string[] }[];
    };
    const rule = config.inhibit_rules.find((r) => r.source_matchers.includes('alertname="TTSServerDown"'));
    expect(rule?.equal).toEqual(["job", "instance"]);
  });
});
