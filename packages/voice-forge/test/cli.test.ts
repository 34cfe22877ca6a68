import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The tsx executable: the nearest node_modules/.bin/tsx above the package. */
function findTsx(): string {
  for (let d = packageDir; ; d = dirname(d)) {
    const bin = join(d, "node_modules", ".bin", "tsx");
    if (existsSync(bin)) return bin;
    if (dirname(d) === d) throw new Error("tsx not found in any node_modules/.bin");
  }
}
const tsx = findTsx();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tsx src/cli.ts ARGS` from `cwd` (the package by default). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = packageDir): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [join(packageDir, "src/cli.ts"), ...args], { cwd, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "voice-forge-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("voice-forge CLI", () => {
  it("prints usage with --help and exits 2 on a bad preset", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--if-missing");
    const bad = await cli(["--preset", "huge", "--out", dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown preset "huge"');
  });

  it("forges one voice, with progress on stderr and its size beside Piper's on stdout", async () => {
    const run = await cli(["--preset", "x_low", "--speakers", "2", "--out", dir, "--name", "cli-x_low"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/weights 50%/);
    expect(run.stdout).toMatch(/^cli-x_low: \d+\.\d\dM parameters, \d+\.\d MB \(Piper x_low: 5-7M parameters, 20\.6 MB\)/);
    expect(existsSync(join(dir, "cli-x_low.onnx"))).toBe(true);
    expect(existsSync(join(dir, "cli-x_low.onnx.json"))).toBe(true);
  });

  it("--if-missing fills $VOICES_DIR with the reference voices, whatever the cwd", async () => {
    const voices = join(dir, "voices");
    const run = await cli(["--if-missing"], { VOICES_DIR: voices }, tmpdir());
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.map((l) => l.split(":")[0])).toEqual(["en_US-voxqueue_ref-medium", "en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"]);
    expect(lines[0]).toContain("(Piper medium: 15-20M parameters, 63.2 MB)");
    for (const name of ["en_US-voxqueue_ref-medium", "en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"]) {
      expect(existsSync(join(voices, `${name}.onnx`))).toBe(true);
      expect(existsSync(join(voices, `${name}.onnx.json`))).toBe(true);
    }
    const again = await cli(["--if-missing"], { VOICES_DIR: voices }, tmpdir());
    expect(again.stderr).toContain("en_US-voxqueue_ref-medium cached done");
    expect(again.stderr).not.toContain("weights");
  });

  it("--only picks reference voices and refuses a name that is not one", async () => {
    const voices = join(dir, "only");
    const run = await cli(["--if-missing", "--only", "en_US-voxqueue_ref-x_low", "--out", voices]);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(":")[0]),
    ).toEqual(["en_US-voxqueue_ref-x_low"]);
    expect(existsSync(join(voices, "en_US-voxqueue_ref-medium.onnx"))).toBe(false);
    const bad = await cli(["--if-missing", "--only", "nope", "--out", voices]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not reference voices: nope");
    const alone = await cli(["--only", "en_US-voxqueue_ref-x_low", "--out", voices]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("--only needs --if-missing");
  });
});
