import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export type Tool = "promtool" | "amtool";

/** Where each tool comes from; a missing tool fails the suite with this hint. */
const INSTALL_HINT: Record<Tool, string> = {
  promtool: "install Debian's `prometheus` package (apt-get install -y prometheus), which ships promtool",
  amtool: "install Debian's `prometheus-alertmanager` package (apt-get install -y prometheus-alertmanager), which ships amtool",
};

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

/**
 * Runs promtool or amtool and returns its exit status and output.
 * @throws Error telling how to install the tool when it is not on PATH: these
 *   checks are the point of the suite, so they fail instead of skipping.
 */
export function runTool(tool: Tool, args: string[], cwd?: string): ToolResult {
  const result = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 50_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${tool} not found on PATH: ${INSTALL_HINT[tool]}.`);
    throw result.error;
  }
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  return { status: result.status ?? -1, stdout, stderr, output: `${stdout}\n${stderr}` };
}

/** A fresh temporary directory for generated files. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `voxqueue-infra-${prefix}-`));
}

/**
 * Checks PromQL expressions with `promtool check rules` by wrapping each in a
 * recording rule of a generated rules file.
 * @param exprs name (used in messages) -> expression
 */
export function checkPromql(exprs: Record<string, string>): ToolResult {
  const rules = Object.values(exprs).map((expr, i) => ({ record: `check:expr_${i}:value`, expr }));
  const file = join(tempDir("promql"), "exprs.yml");
  writeFileSync(file, stringify({ groups: [{ name: "promql-check", rules }] }));
  return runTool("promtool", ["check", "rules", file]);
}
