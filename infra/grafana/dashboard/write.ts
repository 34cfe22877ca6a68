/**
 * Writes dashboards/voxqueue.json from voxqueue.ts.
 * Run: pnpm --filter @voxqueue/infra dashboard:build
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildDashboard } from "./voxqueue.js";

/** Where the dashboard lives in the repository (Grafana's provider mounts dashboards/). */
export const DASHBOARD_PATH = fileURLToPath(new URL("../../../dashboards/voxqueue.json", import.meta.url));

/** The exact file content: 2-space JSON and a final newline. */
export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_PATH, renderDashboard());
  console.log(`wrote ${DASHBOARD_PATH}`);
}
