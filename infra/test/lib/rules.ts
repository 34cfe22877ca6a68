import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PATHS } from "./paths.js";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  record: string;
  expr: string;
}

interface RuleFile {
  groups: { name: string; rules: (AlertRule | RecordingRule)[] }[];
}

/** Parses a YAML file (one document). */
export function readYaml<T>(path: string): T {
  return parse(readFileSync(path, "utf8")) as T;
}

function rulesOf(path: string): (AlertRule | RecordingRule)[] {
  return readYaml<RuleFile>(path).groups.flatMap((g) => g.rules);
}

/** Every alerting rule in rules/alerts.yml (tiers of one alert are separate rules). */
export function alertRules(): AlertRule[] {
  return rulesOf(PATHS.alertRules).filter((r): r is AlertRule => "alert" in r);
}

/** Every recording rule in rules/recording.yml. */
export function recordingRules(): RecordingRule[] {
  return rulesOf(PATHS.recordingRules).filter((r): r is RecordingRule => "record" in r);
}

/** severity -> priority: one scale, two names (Alertmanager routes on priority). */
export const PRIORITY_OF_SEVERITY: Record<string, string> = { critical: "P1", warning: "P2", info: "P3" };

/**
 * Raw reads of the de-duplication-only gauges that are not wrapped in
 * `max by (queue, state) (`: each would count the backlog once per replica.
 * Recorded series (names with `:`) are fine.
 * @returns the offending excerpts, empty when the expression is safe
 */
export function unDeduplicatedQueueReads(expr: string): string[] {
  const bad: string[] = [];
  const raw = /(?<![\w:])tts_queue_(?:length|jobs)(?![\w:])/g;
  for (const match of expr.matchAll(raw)) {
    const before = expr.slice(0, match.index).replace(/\s+/g, " ").trimEnd();
    if (!before.endsWith("max by (queue, state) (")) bad.push(expr.slice(Math.max(0, match.index - 40), match.index + 30));
  }
  return bad;
}
