/**
 * Small builders for Grafana panel JSON (schemaVersion 39). Every panel queries the
 * Prometheus chosen in the `datasource` template variable, never a fixed uid, so the
 * dashboard works in any Grafana that has a Prometheus.
 */

/** The datasource reference every panel and target uses. */
export const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

export interface Query {
  /** PromQL; may use $model, $queue and $__rate_interval. */
  expr: string;
  /** Legend template, e.g. "{{model}}". */
  legend?: string;
}

export interface ThresholdStep {
  color: string;
  /** Lower bound of the step; null for the base step. */
  value: number | null;
}

interface Common {
  title: string;
  description: string;
  queries: Query[];
  /** Grafana unit id: "s", "percent", "reqpm", "bytes", "none", ... */
  unit: string;
  /** Grid width out of 24. */
  width: number;
  thresholds?: ThresholdStep[];
  min?: number;
  max?: number;
  decimals?: number;
}

export interface TimeseriesSpec extends Common {
  kind: "timeseries";
  /** Draw the thresholds as dashed lines on the graph. */
  thresholdLines?: boolean;
  stacked?: boolean;
}

export interface SingleValueSpec extends Common {
  kind: "stat" | "gauge";
}

export type PanelSpec = TimeseriesSpec | SingleValueSpec;

export interface RowSpec {
  title: string;
  /** Height of the panels in this row, in grid units. */
  height: number;
  panels: PanelSpec[];
}

type Json = Record<string, unknown>;

/** Thresholds with only a neutral base step, for panels that have none of their own. */
const NEUTRAL: ThresholdStep[] = [{ color: "green", value: null }];

function targets(queries: Query[]): Json[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: q.expr,
    legendFormat: q.legend ?? "__auto",
    range: true,
    instant: false,
  }));
}

function fieldDefaults(spec: PanelSpec): Json {
  const defaults: Json = {
    unit: spec.unit,
    thresholds: { mode: "absolute", steps: spec.thresholds ?? NEUTRAL },
    color: { mode: spec.kind === "timeseries" ? "palette-classic" : "thresholds" },
  };
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
  if (spec.kind === "timeseries") {
    defaults.custom = {
      drawStyle: "line",
      lineWidth: 1,
      fillOpacity: spec.stacked ? 30 : 10,
      showPoints: "never",
      spanNulls: false,
      stacking: { mode: spec.stacked ? "normal" : "none", group: "A" },
      thresholdsStyle: { mode: spec.thresholdLines ? "dashed" : "off" },
    };
  }
  return defaults;
}

function options(spec: PanelSpec): Json {
  const reduce = { calcs: ["lastNotNull"], fields: "", values: false };
  switch (spec.kind) {
    case "timeseries":
      return {
        legend: { displayMode: "list", placement: "bottom", showLegend: true },
        tooltip: { mode: "multi", sort: "desc" },
      };
    case "gauge":
      return { reduceOptions: reduce, showThresholdLabels: false, showThresholdMarkers: true };
    case "stat":
      return { reduceOptions: reduce, colorMode: "value", graphMode: "area", justifyMode: "auto", textMode: "auto" };
  }
}

/**
 * Lays rows out top to bottom and panels left to right, wrapping at 24 columns,
 * and numbers every panel (rows included) from 1.
 * @returns the `panels` array of a dashboard
 */
export function layout(rows: RowSpec[]): Json[] {
  const out: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const spec of row.panels) {
      if (x + spec.width > 24) {
        x = 0;
        y += row.height;
      }
      out.push({
        id: id++,
        type: spec.kind,
        title: spec.title,
        description: spec.description,
        datasource: DATASOURCE,
        gridPos: { h: row.height, w: spec.width, x, y },
        fieldConfig: { defaults: fieldDefaults(spec), overrides: [] },
        options: options(spec),
        targets: targets(spec.queries),
      });
      x += spec.width;
    }
    y += row.height;
  }
  return out;
}
