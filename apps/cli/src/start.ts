// `pnpm start`: Redis (if none answers), the API and one worker in the foreground;
// Ctrl-C stops them all in order (the worker drains its jobs first, Redis goes last).
import { parseArgs } from "node:util";
import { describeExit, LocalStack, StackStoppedError, stopStackOnExit } from "./stack.js";

const { values } = parseArgs({
  options: {
    "no-reference-voices": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`Usage: pnpm start [--no-reference-voices]

Runs voxqueue locally in the foreground: uses the Redis at REDIS_URL (default
redis://127.0.0.1:6379) or starts redis-server with AOF persistence in data/redis
(data/redis-<port> for another port), generates the reference voices into
VOICES_DIR (default data/voices) when missing, as \`pnpm voices\` does, then starts
one worker and the API. --no-reference-voices skips the generation: the worker
serves only the voices already in VOICES_DIR (your real Piper voices). Ctrl-C stops
everything: the API and the worker first (the worker finishes its jobs in flight),
then the Redis it started; a second Ctrl-C forces. Settings come from the
environment (see README).`);
  process.exit(0);
}

const log = (line: string) => console.log(`[voxqueue] ${line}`);
const stack = new LocalStack({ env: process.env, output: "terminal", log, referenceVoices: !values["no-reference-voices"] });
// Before start(): a Ctrl-C while the stack comes up stops what was started so far.
const { shutdown } = stopStackOnExit(stack, log);
try {
  await stack.start();
} catch (err) {
  if (!(err instanceof StackStoppedError)) console.error(`[voxqueue] ${(err as Error).message}`);
  await shutdown(1);
}
log(`ready: API ${stack.apiUrl} (metrics ${stack.apiUrl}/metrics), worker metrics ${stack.workerMetricsUrl}/metrics`);
log(`try: pnpm tts "Hello from voxqueue." -o hello.wav   — Ctrl-C to stop`);
const e = await stack.exited;
await shutdown(1, `the ${e.name} ${describeExit(e)}; stopping the rest`);
