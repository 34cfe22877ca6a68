import { readFileSync } from "node:fs";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseVoicePools, poolQueueName } from "@voxqueue/contracts";
import { ruleFromScaledObject } from "../scaling/scaled-object.js";
import { POOL_LABEL, WORKER_POOL_PATHS, backlogQuery, renderWorkerPools, workerPoolObjects, type WorkerTemplates } from "../scaling/worker-pools.js";
import { unDeduplicatedQueueReads } from "./lib/rules.js";
import { checkPromql } from "./lib/tools.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects

const docs = (path: string): Json[] => parseAllDocuments(readFileSync(path, "utf8")).map((d) => d.toJS() as Json);
const templates: WorkerTemplates = {
  deployment: docs(WORKER_POOL_PATHS.deployment).find((o) => o.kind === "Deployment")!,
  scaledObject: docs(WORKER_POOL_PATHS.scaledObject).find((o) => o.kind === "ScaledObject")!,
  disruptionBudget: docs(WORKER_POOL_PATHS.disruptionBudgets).find((o) => o.metadata.name === "voxqueue-worker")!,
};
const config = docs(WORKER_POOL_PATHS.configMap)[0]!;
const env = (deployment: Json, name: string) =>
  (deployment.spec.template.spec.containers[0].env as Json[]).find((e) => e.name === name)?.value as string | undefined;

describe("worker pools in the Kubernetes manifests", () => {
  it("worker-pools.yaml is what the generator makes from the ConfigMap's VOICE_POOLS (run pnpm --filter @voxqueue/infra k8s:pools)", () => {
    expect(readFileSync(WORKER_POOL_PATHS.output, "utf8")).toBe(renderWorkerPools());
  });

  // Two pools, as a deployment with a GPU pool and a multi-speaker pool would list them.
  const pools = parseVoicePools("gpu=en_US-lessac-high,de_DE-thorsten-high;multi=en_US-voxqueue_ref_multi-x_low");
  const objects = workerPoolObjects(pools, "tts-synthesis", templates);
  const validators: Record<string, (o: Json) => { validate(): void }> = {
    Deployment: (o) => new Deployment(o as never),
    ScaledObject: (o) => new ScaledObject(o as never),
    PodDisruptionBudget: (o) => new PodDisruptionBudget(o as never),
  };

  it("makes a Deployment, ScaledObject and PodDisruptionBudget per pool, each valid against its schema", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Deployment/voxqueue-worker-gpu",
      "ScaledObject/voxqueue-worker-gpu",
      "PodDisruptionBudget/voxqueue-worker-gpu",
      "Deployment/voxqueue-worker-multi",
      "ScaledObject/voxqueue-worker-multi",
      "PodDisruptionBudget/voxqueue-worker-multi",
    ]);
    for (const o of objects) expect(() => validators[o.kind]!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
  });

  it("scales each pool's Deployment on its own queue's de-duplicated backlog, with the default pool's rule", () => {
    const defaultRule = ruleFromScaledObject(templates.scaledObject);
    for (const pool of pools) {
      const scaled = objects.find((o) => o.kind === "ScaledObject" && o.metadata.labels[POOL_LABEL] === pool.name)!;
      const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.labels[POOL_LABEL] === pool.name)!;
      expect(scaled.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
      const query = scaled.spec.triggers[0].metadata.query as string;
      const poolQueue = poolQueueName("tts-synthesis", pool.name);
      // Both priority lanes' backlogs: the pool's workers take both.
      expect(query).toContain(`queue=~"${poolQueue}|${poolQueue}-batch"`);
      expect(unDeduplicatedQueueReads(query)).toEqual([]);
      const r = checkPromql({ [pool.name]: query });
      expect(r.status, r.output).toBe(0);
      expect(ruleFromScaledObject(scaled)).toEqual(defaultRule);
      expect(env(deployment, "WORKER_POOLS")).toBe(pool.name);
    }
    // The default pool's own Deployment consumes only the base queue, and its query names it.
    expect(env(templates.deployment, "WORKER_POOLS")).toBe("default");
    expect(templates.scaledObject.spec.triggers[0].metadata.query).toBe(backlogQuery(config.data.QUEUE_NAME));
  });

  it("gives every worker Deployment a selector no other one's pods match", () => {
    const deployments = [templates.deployment, ...objects.filter((o) => o.kind === "Deployment")];
    for (const a of deployments) {
      for (const b of deployments) {
        if (a === b) continue;
        const podLabels = b.spec.template.metadata.labels as Record<string, string>;
        const matches = Object.entries(a.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => podLabels[k] === v);
        expect(matches, `${a.metadata.name} selects pods of ${b.metadata.name}`).toBe(false);
      }
    }
  });
});
