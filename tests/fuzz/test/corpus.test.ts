// The fuzz targets cannot rot: each one runs over its seed corpus (tests/fuzz/corpus/<target>)
// as a plain function, the way Jazzer.js calls it, and once under Jazzer.js itself in
// regression mode (libFuzzer's -runs=0: every seed once, no mutation), through `pnpm fuzz`.
// Seeds that crash espeak-ng in process are kept apart (corpus/text-pipeline-espeak-crashes):
// Jazzer.js runs espeak-ng in its own process, where they could end the run.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FUZZ_TARGETS, loadFuzzFunction } from "../src/targets/index.js";

const PACKAGE_DIR = resolve(import.meta.dirname, "..");

describe("fuzz targets over their seed corpus", () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: every seed passes the target's checks`, async () => {
      const fuzz = await loadFuzzFunction(target);
      const seeds = readdirSync(join(PACKAGE_DIR, "corpus", target.name));
      expect(seeds.length).toBeGreaterThanOrEqual(5);
      for (const seed of seeds) {
        const bytes = readFileSync(join(PACKAGE_DIR, "corpus", target.name, seed));
        expect(() => fuzz(bytes), seed).not.toThrow();
      }
    });
  }

  it("text-pipeline: the inputs that crash espeak-ng in process (corpus/text-pipeline-espeak-crashes) are answered through the phonemizer process", async () => {
    const fuzz = await loadFuzzFunction(FUZZ_TARGETS.find((t) => t.name === "text-pipeline")!);
    const dir = join(PACKAGE_DIR, "corpus", "text-pipeline-espeak-crashes");
    const seeds = readdirSync(dir);
    expect(seeds.length).toBeGreaterThanOrEqual(1);
    for (const seed of seeds) {
      // ESPEAK_ISOLATION is unset here: the phonemizer process reads them; a crash there is a classified error.
      for (let i = 0; i < 5; i++) expect(() => fuzz(readFileSync(join(dir, seed))), seed).not.toThrow();
    }
  });

  it("under Jazzer.js: pnpm fuzz --regression runs every target over its seeds and exits 0", () => {
    // An empty generated corpus, so only the kept seeds run.
    const corpusDir = join(PACKAGE_DIR, ".jazzer", `regression-${process.pid}`);
    const run = spawnSync(process.execPath, ["--import", "tsx", join(PACKAGE_DIR, "src", "cli.ts"), "--regression", "--corpus-dir", corpusDir], {
      cwd: PACKAGE_DIR,
      encoding: "utf8",
    });
    const summaries = run.stdout
      .split("\n")
      .filter((line) => line.startsWith('{"fuzz"'))
      .map((line) => JSON.parse(line) as { fuzz: string; execs: number; edges: number; findings: number });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    expect(summaries.map((s) => s.fuzz)).toEqual(FUZZ_TARGETS.map((t) => t.name));
    for (const s of summaries) {
      expect(s.findings).toBe(0);
      // Each seed ran (libFuzzer counts the initial corpus, plus an empty input), and the
      // code was instrumented: coverage was reported.
      expect(s.execs).toBeGreaterThanOrEqual(readdirSync(join(PACKAGE_DIR, "corpus", s.fuzz)).length);
      expect(s.edges).toBeGreaterThan(0);
    }
  }, 600_000);
});
