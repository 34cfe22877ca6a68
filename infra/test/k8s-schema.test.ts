import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { PATHS } from "./lib/paths.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects

/**
 * The OpenAPI schemas of Kubernetes 1.x (kubernetes-models), KEDA's CRDs
 * (@kubernetes-models/keda) and prometheus-operator's CRDs, compiled to validators.
 * Kustomization is kustomize's build file, not an API object: it has no schema here.
 */
const VALIDATORS: Record<string, (o: Json) => { validate(): void }> = {
  "apps/v1/Deployment": (o) => new Deployment(o as never),
  "v1/Service": (o) => new Service(o as never),
  "v1/ConfigMap": (o) => new ConfigMap(o as never),
  "v1/Namespace": (o) => new Namespace(o as never),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o as never),
  "keda.sh/v1alpha1/ScaledObject": (o) => new ScaledObject(o as never),
  "monitoring.coreos.com/v1/PodMonitor": (o) => new PodMonitor(o as never),
};
const NOT_API_OBJECTS = new Set(["kustomize.config.k8s.io/v1beta1/Kustomization"]);

const objects = readdirSync(PATHS.k8sDir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) => parseAllDocuments(readFileSync(join(PATHS.k8sDir, file), "utf8")).map((d) => ({ file, object: d.toJS() as Json })));
const key = (o: Json) => `${o.apiVersion}/${o.kind}`;

describe("Kubernetes and KEDA schemas", () => {
  it.each(objects.filter(({ object }) => !NOT_API_OBJECTS.has(key(object))).map(({ file, object }) => [file, key(object), object]))(
    "%s: %s is valid against its schema",
    (_file, kind, object) => {
      const make = VALIDATORS[kind as string];
      expect(make, `no schema for ${kind}: add its validator`).toBeDefined();
      expect(() => make!(object as Json).validate()).not.toThrow();
    },
  );

  it("rejects what the schema forbids (a string pollingInterval, a string containerPort)", () => {
    const scaled = objects.find(({ object }) => object.kind === "ScaledObject")!.object;
    expect(() => new ScaledObject({ ...scaled, spec: { ...scaled.spec, pollingInterval: "15" } } as never).validate()).toThrow(/pollingInterval/);
    const deployment = objects.find(({ object }) => object.kind === "Deployment")!.object;
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = "9464";
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/);
  });
});
