import { describe, expect, it } from "vitest";
import { PATHS } from "./lib/paths.js";
import { readYaml } from "./lib/rules.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- config shapes vary per tool

// No Loki, Promtail, Tempo or Grafana binaries here: these parse the YAML and check
// the parts voxqueue depends on.
describe("Loki", () => {
  const loki = readYaml<Json>(PATHS.lokiConfig);
  it("stores structured metadata (tsdb, schema v13)", () => {
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
    expect(loki.schema_config.configs.at(-1)).toMatchObject({ store: "tsdb", schema: "v13" });
  });
});

describe("Promtail", () => {
  const job = readYaml<Json>(PATHS.promtailConfig).scrape_configs[0];
  const stage = (name: string) => job.pipeline_stages.find((s: Json) => name in s)?.[name];

  it("parses the pino fields", () => {
    expect(Object.keys(stage("json").expressions).sort()).toEqual(["job_id", "level", "msg", "span_id", "time", "trace_id"]);
    expect(stage("timestamp")).toMatchObject({ source: "time", format: "RFC3339Nano" });
  });

  it("keeps per-request ids out of the labels", () => {
    expect(Object.keys(stage("labels"))).toEqual(["level"]);
    expect(Object.keys(stage("structured_metadata")).sort()).toEqual(["job_id", "span_id", "trace_id"]);
  });
});

describe("Tempo", () => {
  it("receives OTLP over gRPC and HTTP on all interfaces", () => {
    const otlp = readYaml<Json>(PATHS.tempoConfig).distributor.receivers.otlp.protocols;
    expect(otlp.grpc.endpoint).toBe("0.0.0.0:4317");
    expect(otlp.http.endpoint).toBe("0.0.0.0:4318");
  });
});

describe("Grafana provisioning", () => {
  const sources = readYaml<Json>(PATHS.grafanaDatasources).datasources as Json[];
  const ofType = (type: string) => sources.find((d) => d.type === type) as Json;

  it("provisions Prometheus, Loki and Tempo", () => {
    expect(sources.map((d) => d.type).sort()).toEqual(["loki", "prometheus", "tempo"]);
  });

  it("links a log line's trace_id to Tempo, and a trace back to its logs", () => {
    const derived = ofType("loki").jsonData.derivedFields[0];
    expect(derived.datasourceUid).toBe(ofType("tempo").uid);
    // `$$` is Grafana's escape for a literal `$` in provisioning files.
    expect(derived.url).toBe("$${__value.raw}");
    const line =
      '{"level":"info","time":"2025-01-01T00:00:00.000Z","app":"worker","msg":"job done","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","job_id":"42"}';
    expect(new RegExp(derived.matcherRegex).exec(line)?.[1]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(ofType("tempo").jsonData.tracesToLogsV2.datasourceUid).toBe(ofType("loki").uid);
  });

  it("loads dashboards from a file provider", () => {
    const provider = readYaml<Json>(PATHS.grafanaDashboardProvider).providers[0];
    expect(provider).toMatchObject({ type: "file", options: { path: expect.any(String) } });
  });
});
