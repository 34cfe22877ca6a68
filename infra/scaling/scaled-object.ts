import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, type ScalingDirection, type ScalingRule } from "./hpa.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects

/** HPA controller defaults that a ScaledObject does not carry (kube-controller-manager flags). */
export const HPA_DEFAULTS = { hpaSyncSeconds: 15, tolerance: 0.1 } as const;

function direction(spec: Json | undefined, fallback: ScalingDirection): ScalingDirection {
  if (!spec) return fallback;
  return {
    stabilizationWindowSeconds: spec.stabilizationWindowSeconds ?? fallback.stabilizationWindowSeconds,
    selectPolicy: spec.selectPolicy ?? "Max",
    policies: (spec.policies as Json[] | undefined)?.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })) ?? fallback.policies,
  };
}

/**
 * The scaling rule a KEDA ScaledObject (keda.sh/v1alpha1) describes, with KEDA's own
 * defaults for what it leaves out (pollingInterval 30, cooldownPeriod 300,
 * minReplicaCount 0, maxReplicaCount 100, activationThreshold 0). Reads the first
 * trigger that has a `threshold`. Throws if there is none.
 */
export function ruleFromScaledObject(object: Json): ScalingRule {
  const spec = object.spec as Json;
  const trigger = (spec.triggers as Json[]).find((t) => t.metadata?.threshold !== undefined);
  if (!trigger) throw new Error(`ScaledObject ${object.metadata?.name}: no trigger with a threshold`);
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior as Json | undefined;
  return {
    threshold: Number(trigger.metadata.threshold),
    activationThreshold: Number(trigger.metadata.activationThreshold ?? 0),
    minReplicas: spec.minReplicaCount ?? 0,
    maxReplicas: spec.maxReplicaCount ?? 100,
    pollingIntervalSeconds: spec.pollingInterval ?? 30,
    cooldownSeconds: spec.cooldownPeriod ?? 300,
    ...HPA_DEFAULTS,
    scaleUp: direction(behavior?.scaleUp, DEFAULT_SCALE_UP),
    scaleDown: direction(behavior?.scaleDown, DEFAULT_SCALE_DOWN),
  };
}

/** Every ScaledObject in a manifest file, by name. */
export function readScaledObjects(path: string): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
    const object = doc.toJS() as Json;
    if (object?.kind === "ScaledObject") found.set(object.metadata.name, object);
  }
  return found;
}
