import { readFileSync } from "node:fs";
import { PATHS } from "./paths.js";

/** What a test needs of one panel query. */
export interface DashboardQuery {
  panel: string;
  refId: string;
  /** The query as stored, with Grafana variables. */
  expr: string;
}

/**
 * Every panel query of dashboards/voxqueue.json (panels[].targets[].expr; rows have
 * none). The e2e test can run these against a live Prometheus after
 * {@link substituteVariables}.
 */
export function dashboardQueries(path: string = PATHS.dashboard): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(path, "utf8")) as {
    panels: { title: string; targets?: { refId: string; expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })));
}

/** Replaces the dashboard's variables with "all" values: `$model`/`$queue` -> `.*`. */
export function substituteVariables(expr: string, rateInterval = "1m"): string {
  return expr.replaceAll("$model", ".*").replaceAll("$queue", ".*").replaceAll("$__rate_interval", rateInterval);
}
