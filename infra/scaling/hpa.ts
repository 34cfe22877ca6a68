/**
 * The replica decision of KEDA + the Horizontal Pod Autoscaler, as a pure function of
 * what they have seen. Sources: the Kubernetes HPA algorithm ("Algorithm details",
 * "Configurable scaling behavior" in the HPA docs: desired = ceil(current × metric /
 * target), a 10 % tolerance, stabilization windows, rate policies) and KEDA's
 * ScaledObject spec (an AverageValue trigger hands the HPA the total metric, so
 * desired = ceil(total / threshold); activation and cooldown only govern 0 ↔ 1).
 */

/** One rate policy of `behavior.scaleUp|scaleDown.policies` (type `Pods` or `Percent`). */
export interface ScalingPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

/** One direction of the HPA's `behavior`. */
export interface ScalingDirection {
  stabilizationWindowSeconds: number;
  /** `Max` (default): the most permissive policy wins; `Min`: the strictest; `Disabled`: never scale this way. */
  selectPolicy: "Max" | "Min" | "Disabled";
  policies: ScalingPolicy[];
}

/** Everything that decides the replica count, as written in a ScaledObject (see scaled-object.ts). */
export interface ScalingRule {
  /** The trigger's `threshold`: target queued jobs per replica (AverageValue). */
  threshold: number;
  /** The trigger's `activationThreshold`: at or below it the target is inactive (scale to minReplicaCount, maybe 0). */
  activationThreshold: number;
  minReplicas: number;
  maxReplicas: number;
  /** KEDA's `pollingInterval`, seconds: how often it checks activation. */
  pollingIntervalSeconds: number;
  /** KEDA's `cooldownPeriod`, seconds: idle time before scaling to zero (only with minReplicas 0). */
  cooldownSeconds: number;
  /** The HPA controller's sync period, seconds (kube-controller-manager default 15). */
  hpaSyncSeconds: number;
  /** The HPA's tolerance: no change while |metric / (target × replicas) − 1| ≤ this (default 0.1). */
  tolerance: number;
  scaleUp: ScalingDirection;
  scaleDown: ScalingDirection;
}

/** The HPA's defaults when a ScaledObject gives no `behavior` (Kubernetes HPA docs, "Default Behavior"). */
export const DEFAULT_SCALE_UP: ScalingDirection = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Percent", value: 100, periodSeconds: 15 },
    { type: "Pods", value: 4, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: ScalingDirection = {
  stabilizationWindowSeconds: 300,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

/** A replica change the HPA made, kept so rate policies can look back over their period. */
export interface ScaleEvent {
  atSeconds: number;
  /** Positive for added replicas, negative for removed ones. */
  delta: number;
}

/** The HPA's memory between syncs. */
export interface HpaState {
  /** Raw recommendations with their time, newest last (for the stabilization windows). */
  recommendations: Array<{ atSeconds: number; replicas: number }>;
  events: ScaleEvent[];
  /** When the metric was last above the activation threshold (for KEDA's cooldown). */
  lastActiveAtSeconds: number;
}

export function newHpaState(): HpaState {
  return { recommendations: [], events: [], lastActiveAtSeconds: 0 };
}

/** Replicas the metric alone asks for: ceil(total / threshold) unless within tolerance, then unchanged. */
export function rawRecommendation(rule: ScalingRule, metricTotal: number, current: number): number {
  if (current > 0) {
    const ratio = metricTotal / (rule.threshold * current);
    if (Math.abs(ratio - 1) <= rule.tolerance) return current;
  }
  return Math.ceil(metricTotal / rule.threshold);
}

function policyLimit(direction: ScalingDirection, current: number, events: ScaleEvent[], now: number, up: boolean) {
  const limits = direction.policies.map((p) => {
    // Replicas at the start of the policy's period: undo the changes made since.
    const changed = events.filter((e) => e.atSeconds > now - p.periodSeconds).reduce((sum, e) => sum + e.delta, 0);
    const base = current - changed;
    const step = p.type === "Pods" ? p.value : Math.ceil((base * p.value) / 100);
    return up ? base + step : base - step;
  });
  if (limits.length === 0) return up ? Infinity : -Infinity;
  const permissive = up ? Math.max(...limits) : Math.min(...limits);
  const strict = up ? Math.min(...limits) : Math.max(...limits);
  return direction.selectPolicy === "Min" ? strict : permissive;
}

/**
 * One HPA sync: the replica count to run from now on, given the backlog the metric
 * shows and the replicas there are. Mutates `state` (recommendation history, events).
 */
export function decideReplicas(rule: ScalingRule, state: HpaState, metricTotal: number, current: number, now: number) {
  if (metricTotal > rule.activationThreshold) state.lastActiveAtSeconds = now;
  const inactive = now - state.lastActiveAtSeconds >= rule.cooldownSeconds && metricTotal <= rule.activationThreshold;
  let desired = Math.min(rule.maxReplicas, Math.max(rule.minReplicas, rawRecommendation(rule, metricTotal, current)));
  // KEDA keeps at least one replica while the trigger is active, even when minReplicas is 0.
  if (rule.minReplicas === 0 && !inactive) desired = Math.max(1, desired);
  state.recommendations.push({ atSeconds: now, replicas: desired });
  const keep = Math.max(rule.scaleUp.stabilizationWindowSeconds, rule.scaleDown.stabilizationWindowSeconds);
  state.recommendations = state.recommendations.filter((r) => r.atSeconds > now - keep - 1e-9);
  const within = (window: number) => state.recommendations.filter((r) => r.atSeconds > now - window - 1e-9).map((r) => r.replicas);
  // Scale up to the lowest recommendation of the up-window; down to the highest of the down-window.
  const upTo = Math.min(...within(rule.scaleUp.stabilizationWindowSeconds));
  const downTo = Math.max(...within(rule.scaleDown.stabilizationWindowSeconds));
  let next = current;
  if (upTo > current && rule.scaleUp.selectPolicy !== "Disabled") {
    next = Math.min(upTo, policyLimit(rule.scaleUp, current, state.events, now, true));
  } else if (downTo < current && rule.scaleDown.selectPolicy !== "Disabled") {
    next = Math.max(downTo, policyLimit(rule.scaleDown, current, state.events, now, false));
  }
  next = Math.min(rule.maxReplicas, Math.max(next, rule.minReplicas === 0 && inactive ? 0 : Math.max(1, rule.minReplicas)));
  if (next !== current) state.events.push({ atSeconds: now, delta: next - current });
  const oldest = Math.max(...[...rule.scaleUp.policies, ...rule.scaleDown.policies].map((p) => p.periodSeconds), 0);
  state.events = state.events.filter((e) => e.atSeconds > now - oldest);
  return next;
}
