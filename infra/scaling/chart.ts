import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Sample } from "./simulate.js";

/** A labelled run to draw. */
export interface ChartRun {
  label: string;
  samples: Sample[];
}

/**
 * Draws queue length, p95 wait and replicas over time for one or more runs as an SVG
 * string (Vega-Lite compiled to Vega, rendered headless; no browser, no canvas).
 */
export async function scalingChartSvg(runs: ChartRun[], title: string): Promise<string> {
  const rows = runs.flatMap((run) =>
    run.samples.flatMap((s) => [
      { t: s.t / 60, run: run.label, panel: "queued jobs (KEDA metric)", value: s.queued },
      { t: s.t / 60, run: run.label, panel: "p95 queue wait, s (last minute)", value: s.waitP95 },
      { t: s.t / 60, run: run.label, panel: "ready workers", value: s.ready },
    ]),
  );
  const panel = (name: string) => ({
    width: 640,
    height: 110,
    transform: [{ filter: { field: "panel", equal: name } }],
    mark: { type: "line" as const, interpolate: "step-after" as const },
    encoding: {
      x: { field: "t", type: "quantitative" as const, title: "minutes" },
      y: { field: "value", type: "quantitative" as const, title: name },
      color: { field: "run", type: "nominal" as const, title: null },
    },
  });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values: rows },
    vconcat: [panel("queued jobs (KEDA metric)"), panel("p95 queue wait, s (last minute)"), panel("ready workers")],
    config: { font: "sans-serif", legend: { orient: "top", labelLimit: 0 } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
