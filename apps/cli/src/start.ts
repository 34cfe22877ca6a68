// `pnpm start`: Redis (if none answers), the API and one worker in the foreground;
// Ctrl-C stops them all (the worker drains its jobs first).
import { startStack } from "./stack.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`Usage: pnpm start

Runs voxqueue locally in the foreground: uses the Redis at REDIS_URL (default
redis://127.0.0.1:6379) or starts redis-server with AOF persistence in data/redis
(data/redis-<port> for another port), then one worker (generating the reference
voices on first start) and the API.
Ctrl-C stops everything. Settings come from the environment (see README).`);
  process.exit(0);
}

const log = (line: string) => console.log(`[voxqueue] ${line}`);
try {
  const stack = await startStack({ env: process.env, output: "terminal", log });
  log(`ready: API ${stack.apiUrl} (metrics ${stack.apiUrl}/metrics), worker metrics ${stack.workerMetricsUrl}/metrics`);
  log(`try: pnpm tts "Hello from voxqueue." -o hello.wav   — Ctrl-C to stop`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping (the worker finishes its jobs first)…`);
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  const { name, code } = await stack.exited;
  if (!stopping) {
    log(`the ${name} exited (code ${code}); stopping the rest`);
    await stack.stop();
    process.exit(1);
  }
} catch (err) {
  console.error(`[voxqueue] ${(err as Error).message}`);
  process.exit(1);
}
