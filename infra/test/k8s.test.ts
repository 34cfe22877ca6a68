import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { PATHS } from "./lib/paths.js";
import { unDeduplicatedQueueReads } from "./lib/rules.js";
import { checkPromql } from "./lib/tools.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects

const files = readdirSync(PATHS.k8sDir).filter((f) => f.endsWith(".yaml"));
const objects: Json[] = files.flatMap((f) => {
  const docs = parseAllDocuments(readFileSync(join(PATHS.k8sDir, f), "utf8"));
  return (Array.isArray(docs) ? docs : [docs]).map((d) => {
    if (d.errors.length > 0) throw new Error(`${f}: ${d.errors.map((e) => e.message).join("; ")}`);
    return d.toJS() as Json;
  });
});
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name) as Json;
const env = (container: Json, name: string) => container.env.find((e: Json) => e.name === name)?.value as string | undefined;

const api = find("Deployment", "voxqueue-api");
const worker = find("Deployment", "voxqueue-worker");
const scaledObject = find("ScaledObject", "voxqueue-worker");
const config = find("ConfigMap", "voxqueue-config");

describe("Kubernetes manifests", () => {
  it("parse, and each object has apiVersion, kind and a name", () => {
    expect(files.length).toBeGreaterThan(5);
    for (const o of objects.filter((o) => o.kind !== "Kustomization")) {
      expect(o.apiVersion).toBeTruthy();
      expect(o.metadata?.name).toBeTruthy();
    }
  });

  it("kustomization lists files that exist", () => {
    const kustomization = objects.find((o) => o.kind === "Kustomization") as Json;
    for (const resource of kustomization.resources as string[]) expect(files).toContain(resource);
  });

  it.each([
    ["api", api, "8080"],
    ["worker", worker, "9464"],
  ])("%s pods are scraped on their metrics port and have probes", (_name, deployment, port) => {
    const pod = (deployment as Json).spec.template;
    expect(pod.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": port, "prometheus.io/path": "/metrics" });
    const container = pod.spec.containers[0];
    expect(container.ports.map((p: Json) => String(p.containerPort))).toContain(port);
    expect(container.readinessProbe.httpGet.path).toBe("/healthz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
  });

  it.each([
    ["api", api],
    ["worker", worker],
  ])("%s outlives its drain: terminationGracePeriodSeconds > SHUTDOWN_GRACE_SECONDS", (_name, deployment) => {
    const spec = (deployment as Json).spec.template.spec;
    const drain = Number(env(spec.containers[0], "SHUTDOWN_GRACE_SECONDS"));
    expect(drain).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(drain);
  });

  it("generates the reference voices in an init container into the volume the worker reads (read-only) at VOICES_DIR", () => {
    const pod = worker.spec.template.spec;
    const init = pod.initContainers[0] as Json;
    const container = pod.containers[0] as Json;
    const voicesDir = env(container, "VOICES_DIR")!;
    const mountOf = (c: Json) => (c.volumeMounts as Json[]).find((m) => m.mountPath === voicesDir);
    expect(init.image).toBe(container.image);
    // voice-forge's CLI as `pnpm voices` runs it, from a file that exists in the image's source tree.
    const cli = (init.command as string[]).find((a) => a.endsWith("cli.ts"))!;
    expect(existsSync(join(PATHS.repoRoot, cli))).toBe(true);
    expect(init.command).toEqual(expect.arrayContaining(["--if-missing", "--out", voicesDir]));
    expect(mountOf(init)?.name).toBe(mountOf(container)?.name);
    expect(mountOf(init)?.readOnly).toBeFalsy();
    expect(mountOf(container)?.readOnly).toBe(true);
    expect(init.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it("gives each worker one GPU and leaves its replica count to KEDA", () => {
    expect(worker.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe(1);
    expect(worker.spec.replicas).toBeUndefined();
  });

  it("has PodMonitor endpoints that name real container ports", () => {
    const monitor = readFileSync(join(PATHS.k8sDir, "podmonitor.yaml"), "utf8");
    const ports = [api, worker].flatMap((d) => d.spec.template.spec.containers[0].ports.map((p: Json) => p.name));
    for (const m of monitor.matchAll(/- port: (\S+)/g)) expect(ports).toContain(m[1]);
  });
});

describe("KEDA ScaledObject", () => {
  const trigger = scaledObject.spec.triggers[0];

  it("scales the worker Deployment between sane bounds", () => {
    expect(scaledObject.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    expect(scaledObject.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(scaledObject.spec.maxReplicaCount).toBeGreaterThan(scaledObject.spec.minReplicaCount);
    expect(scaledObject.spec.fallback.replicas).toBeLessThanOrEqual(scaledObject.spec.maxReplicaCount);
  });

  it("reads the de-duplicated backlog of the configured queue, per replica", () => {
    expect(trigger).toMatchObject({ type: "prometheus", metricType: "AverageValue" });
    const query = trigger.metadata.query as string;
    expect(unDeduplicatedQueueReads(query)).toEqual([]);
    expect(query).toContain(`queue=~"${config.data.QUEUE_NAME}|${config.data.QUEUE_NAME}-batch"`); // both priority lanes
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    const r = checkPromql({ keda: query });
    expect(r.status, r.output).toBe(0);
  });
});
