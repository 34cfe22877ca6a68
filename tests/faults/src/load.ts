// `pnpm load`: a burst of short jobs against one worker (its own Redis and stack),
// then a JSON report of drain time and peak memory. CI runs a smaller burst in
// test/burst.test.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { runBurst } from "./burst.js";

const HELP = `usage: pnpm load [--jobs N] [--in-flight N] [--concurrency N] [--out FILE]

Starts redis-server (AOF, own port), the API and one worker, submits N short jobs
(x_low voice) with --in-flight concurrent clients, waits until the queue drains, and
writes a JSON report (drain time, jobs/s, peak Redis used_memory, peak RSS).

  --jobs N         jobs to submit (default 5000)
  --in-flight N    concurrent submitting clients (default 32)
  --concurrency N  WORKER_CONCURRENCY of the worker (default 1)
  --out FILE       report path (default out/load-report.json)
  --help           this text

Exits 1 when an accepted job was lost or failed.`;

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "5000" },
    "in-flight": { type: "string", default: "32" },
    concurrency: { type: "string", default: "1" },
    out: { type: "string", default: "out/load-report.json" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};

const report = await runBurst({
  jobs: positive("jobs", values.jobs),
  inFlight: positive("in-flight", values["in-flight"]),
  workerConcurrency: positive("concurrency", values.concurrency),
  progress: (line) => console.error(`[load] ${line}`),
});
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
console.error(`[load] report written to ${values.out}`);
process.exit(report.lost === 0 && report.failed === 0 && report.accepted === report.jobs ? 0 : 1);
