// pnpm fuzz: coverage-guided fuzzing of the targets in src/targets with Jazzer.js (libFuzzer),
// one process per target, each for a time budget. Seeds are read from corpus/<target>/ (kept
// in the repository); what the fuzzer finds interesting goes to .corpus/<target>/ and crashing
// inputs to .findings/<target>/ (both ignored by git). Exit status 1 when any target has a finding.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compatibleAddon } from "./glibc-compat.js";
import { FUZZ_TARGETS, loadFuzzFunction, type FuzzTarget } from "./targets/index.js";

const PACKAGE_DIR = resolve(import.meta.dirname, "..");
const REPO_ROOT = resolve(PACKAGE_DIR, "../..");
const DEFAULT_SECONDS = 60;
/** An input that runs longer than this is a finding (a hang), ms. */
const INPUT_TIMEOUT_MS = 10_000;

const HELP = `Usage: pnpm fuzz [options] [target...]

Coverage-guided fuzzing (Jazzer.js 4, libFuzzer) of voxqueue's input entry points.
Targets (default: all):
${FUZZ_TARGETS.map((t) => `  ${t.name.padEnd(16)}${t.about}`).join("\n")}

Options:
  --seconds N        time budget per target, seconds (default ${DEFAULT_SECONDS})
  --corpus-dir DIR   where generated inputs are kept, one folder per target
                     (default tests/fuzz/.corpus; seeds come from tests/fuzz/corpus/<target>)
  --regression       run each target over its seeds and generated corpus once, no fuzzing
  --replay FILE      run one target (named as the argument) on FILE and print what it throws
  -h, --help         this text
Arguments after "--" go to libFuzzer (e.g. -- -max_len=2048 -seed=1).
Findings: the crashing input is written to tests/fuzz/.findings/<target>/ and printed
(base64 and text); the exit status is 1 when any target has one.
espeak-ng runs in the fuzzer's process (ESPEAK_ISOLATION=none unless set), so its crashes
are findings; the seeds known to crash it are in tests/fuzz/corpus/text-pipeline-espeak-crashes.`;

/** What one target's run gave, from libFuzzer's output. */
interface RunSummary {
  target: string;
  seconds: number;
  execs: number | null;
  /** Instrumented edges covered (libFuzzer's `cov`) and features (`ft`), last reported. */
  edges: number | null;
  features: number | null;
  corpus: number | null;
  findings: string[];
  exitCode: number | null;
}

function parseCli() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      "corpus-dir": { type: "string", default: join(PACKAGE_DIR, ".corpus") },
      regression: { type: "boolean", default: false },
      replay: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const dash = process.argv.indexOf("--");
  const libFuzzerArgs = dash >= 0 ? process.argv.slice(dash + 1) : [];
  const names = dash >= 0 ? positionals.slice(0, positionals.length - libFuzzerArgs.length) : positionals;
  const targets =
    names.length === 0
      ? FUZZ_TARGETS
      : names.map(
          (name) => FUZZ_TARGETS.find((t) => t.name === name) ?? fail(`unknown target "${name}"; targets: ${FUZZ_TARGETS.map((t) => t.name).join(", ")}`),
        );
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1) fail("--seconds must be a whole number of seconds, 1 or more");
  return { ...values, seconds, targets, libFuzzerArgs, corpusDir: resolve(values["corpus-dir"]) };
}

function fail(message: string): never {
  console.error(`pnpm fuzz: ${message}`);
  process.exit(2);
}

/** Runs `target` under Jazzer.js in a child process; resolves with what libFuzzer reported. */
async function runTarget(target: FuzzTarget, opts: { seconds: number; corpusDir: string; regression: boolean; libFuzzerArgs: string[] }): Promise<RunSummary> {
  const generated = join(opts.corpusDir, target.name);
  const findingsDir = join(PACKAGE_DIR, ".findings", target.name);
  mkdirSync(generated, { recursive: true });
  mkdirSync(findingsDir, { recursive: true });
  const earlierFindings = new Set(readdirSync(findingsDir));
  const seeds = join(PACKAGE_DIR, "corpus", target.name);
  const jazzerCli = createRequire(import.meta.url).resolve("@jazzer.js/core/dist/cli.js");
  const addon = compatibleAddon(join(PACKAGE_DIR, ".jazzer", "native"));
  const nodeArgs = ["--import", "tsx", ...(addon ? ["--require", join(import.meta.dirname, "glibc-compat-hook.cjs")] : [])];
  const dict = join(PACKAGE_DIR, "corpus", `${target.name}.dict`);
  const args = [
    jazzerCli,
    // Jazzer.js appends ".js"; tsx maps it to the .ts file.
    join(import.meta.dirname, "targets", target.module),
    generated,
    seeds,
    "--sync",
    `--timeout=${INPUT_TIMEOUT_MS}`,
    // Coverage feedback from our code (workspace packages and apps) and what the target names.
    ...["packages/", "apps/"].flatMap((dir) => ["-i", join(REPO_ROOT, dir)]),
    ...target.instrument.flatMap((part) => ["-i", part]),
    ...(opts.regression ? ["--mode=regression"] : []),
    "--",
    `-artifact_prefix=${findingsDir}/`,
    ...(opts.regression ? ["-runs=0"] : [`-max_total_time=${opts.seconds}`]),
    ...(readdirSync(join(PACKAGE_DIR, "corpus")).includes(`${target.name}.dict`) ? [`-dict=${dict}`] : []),
    ...opts.libFuzzerArgs,
  ];
  console.log(
    `\n== ${target.name}: ${opts.regression ? "regression over the corpus" : `${opts.seconds} s`} (node ${nodeArgs.join(" ")} ${args.map((a) => (a.startsWith(REPO_ROOT) ? relative(process.cwd(), a) : a)).join(" ")})`,
  );
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: process.cwd(),
    // espeak-ng runs in the fuzzer's process unless ESPEAK_ISOLATION says otherwise: that is where its
    // crashes are findings, and libFuzzer's exit aborts (SIGABRT) while the phonemizer's worker thread lives.
    env: {
      ...process.env,
      ESPEAK_ISOLATION: process.env.ESPEAK_ISOLATION ?? "none",
      ...(addon ? { VOXQUEUE_JAZZER_ADDON: `${addon.original}\n${addon.patched}` } : {}),
    },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    output += chunk.toString("utf8");
    if (output.length > 1_000_000) output = output.slice(-100_000);
  });
  const exitCode = await new Promise<number | null>((done) =>
    child.on("close", (code, signal) => {
      if (signal) console.error(`${target.name}: the fuzzer process ended on ${signal}`);
      done(code);
    }),
  );
  // libFuzzer names the file it wrote on stderr or stdout, depending on the kind of crash: read the folder.
  const findings = readdirSync(findingsDir)
    .filter((f) => !earlierFindings.has(f))
    .map((f) => join(findingsDir, f));
  return summarize(target.name, opts.seconds, output, exitCode, findings);
}

function summarize(target: string, seconds: number, output: string, exitCode: number | null, findings: string[]): RunSummary {
  const lastNumber = (re: RegExp): number | null => {
    const all = [...output.matchAll(re)];
    return all.length > 0 ? Number(all[all.length - 1]![1]) : null;
  };
  return {
    target,
    seconds,
    execs: lastNumber(/Done (\d+) runs/g) ?? lastNumber(/^#(\d+)\s/gm),
    edges: lastNumber(/cov: (\d+)/g),
    features: lastNumber(/ft: (\d+)/g),
    corpus: lastNumber(/corp: (\d+)/g),
    findings,
    exitCode,
  };
}

/** Prints a finding's input so it can be read (and turned into a regression seed). */
function printFinding(file: string): void {
  const bytes = readFileSync(file);
  console.log(
    `finding: ${relative(process.cwd(), file)}\n  base64: ${bytes.toString("base64")}\n  as UTF-8: ${JSON.stringify(bytes.toString("utf8").slice(0, 400))}`,
  );
}

async function replay(targetName: string | undefined, file: string): Promise<void> {
  const target = FUZZ_TARGETS.find((t) => t.name === targetName) ?? fail("--replay needs one target name");
  const fuzz = await loadFuzzFunction(target);
  printFinding(file);
  try {
    fuzz(readFileSync(file));
    console.log(`${target.name}: no finding on this input`);
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(HELP);
    return;
  }
  const opts = parseCli();
  if (opts.replay !== undefined) return replay(opts.targets.length === 1 ? opts.targets[0]!.name : undefined, opts.replay);
  const summaries: RunSummary[] = [];
  for (const target of opts.targets) summaries.push(await runTarget(target, opts));
  console.log("\n== summary");
  for (const s of summaries) {
    console.log(
      JSON.stringify({
        fuzz: s.target,
        seconds: opts.regression ? 0 : s.seconds,
        execs: s.execs,
        edges: s.edges,
        features: s.features,
        corpus: s.corpus,
        findings: s.findings.length,
        exit: s.exitCode,
      }),
    );
    for (const file of s.findings) printFinding(file);
  }
  // libFuzzer exits non-zero on a finding, and Jazzer.js on an error loading the target.
  if (summaries.some((s) => s.findings.length > 0 || s.exitCode !== 0)) process.exitCode = 1;
}

await main();
