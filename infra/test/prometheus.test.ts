import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { PATHS } from "./lib/paths.js";
import { runTool, tempDir } from "./lib/tools.js";

const ruleTestFiles = readdirSync(PATHS.ruleTestsDir)
  .filter((f) => f.endsWith(".test.yml"))
  .map((f) => join(PATHS.ruleTestsDir, f));

/** Renders prometheus.local.yml.tmpl the way the e2e test is expected to. */
function renderLocalTemplate(values: { rulesDir: string; api: string; workers: string[] }): string {
  return readFileSync(PATHS.prometheusLocalTemplate, "utf8")
    .replaceAll("${RULES_DIR}", values.rulesDir)
    .replaceAll("${API_TARGET}", values.api)
    .replaceAll("${WORKER_TARGETS}", values.workers.map((w) => `'${w}'`).join(", "));
}

interface ScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: unknown[];
  static_configs?: { targets: string[] }[];
}

describe("promtool check config", () => {
  it("accepts prometheus.yml (static targets) and its rule files", () => {
    const r = runTool("promtool", ["check", "config", PATHS.prometheusConfig]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("2 rule files found");
  });

  // Debian builds Prometheus without Kubernetes service discovery, so its promtool
  // rejects kubernetes_sd_configs. Swap those blocks for static targets and check the
  // rest (relabeling regexes, rule files, alerting) with the real tool.
  it("accepts prometheus.k8s.yml with Kubernetes SD swapped for static targets", () => {
    const config = parse(readFileSync(PATHS.prometheusK8sConfig, "utf8")) as {
      rule_files: string[];
      scrape_configs: ScrapeConfig[];
    };
    expect(config.scrape_configs.some((s) => s.kubernetes_sd_configs)).toBe(true);
    for (const scrape of config.scrape_configs) {
      if (!scrape.kubernetes_sd_configs) continue;
      delete scrape.kubernetes_sd_configs;
      scrape.static_configs = [{ targets: ["10.0.0.1:8080"] }];
    }
    config.rule_files = config.rule_files.map((f) => join(PATHS.rulesDir, "..", f));
    const file = join(tempDir("k8s"), "prometheus.yml");
    writeFileSync(file, stringify(config));
    const r = runTool("promtool", ["check", "config", file]);
    expect(r.status, r.output).toBe(0);
  });

  it("renders prometheus.local.yml.tmpl into a valid config for the e2e test", () => {
    const text = renderLocalTemplate({ rulesDir: PATHS.rulesDir, api: "127.0.0.1:18080", workers: ["127.0.0.1:19464", "127.0.0.1:19465"] });
    expect(text).not.toContain("${");
    const file = join(tempDir("local"), "prometheus.yml");
    writeFileSync(file, text);
    const r = runTool("promtool", ["check", "config", file]);
    expect(r.status, r.output).toBe(0);
    const jobs = (parse(text) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
    expect(jobs.map((j) => j.job_name)).toEqual(["voxqueue-api", "voxqueue-worker"]);
    expect(jobs[1]?.static_configs?.[0]?.targets).toEqual(["127.0.0.1:19464", "127.0.0.1:19465"]);
  });
});

describe("promtool check rules / test rules", () => {
  it("accepts the recording and alerting rules", () => {
    const r = runTool("promtool", ["check", "rules", PATHS.recordingRules, PATHS.alertRules]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).not.toMatch(/FAILED|WARNING/);
  });

  it.each(ruleTestFiles.map((f) => [f.split("/").pop(), f]))("passes the unit tests in %s", (_name, file) => {
    const r = runTool("promtool", ["test", "rules", file as string]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS");
  });
});
