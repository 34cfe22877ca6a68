// apps/worker entry: reads the environment, starts one worker, drains on SIGTERM/SIGINT.
// Exit codes: 0 after a clean shutdown, 1 on a startup failure (or a second signal),
// 2 on invalid configuration.
import { ConfigError, parseWorkerEnv, type WorkerConfig } from "@voxqueue/config";
import { settleWithin, stopOnSignals } from "@voxqueue/runtime";
import { SERVICE, createLogger, startTracing } from "@voxqueue/telemetry";
import { startWorker } from "./worker-app.js";

/** The settings, or exit 2 with what is wrong (before any logger exists: LOG_LEVEL is one of them). */
function readConfig(): WorkerConfig {
  try {
    return parseWorkerEnv(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`voxqueue worker: ${err.message}`);
    process.exit(2);
  }
}

// First: every span and log line after this can carry a trace (OTEL_* variables).
const tracing = startTracing(SERVICE.worker);
const config = readConfig();
const logger = createLogger("worker", config.LOG_LEVEL);

async function main(): Promise<void> {
  const starting = startWorker(config, logger);
  // Signals are handled from the first moment: the worker takes jobs before startWorker has
  // finished (catalog, reloader, heartbeat), and a SIGTERM then must drain them, not kill them.
  // A start that cannot finish within the grace period (Redis unreachable) ends as a failed
  // shutdown: exit 1.
  const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;
  stopOnSignals({
    logger,
    stop: async () => (await settleWithin(starting, graceMs, "finish starting before the shutdown")).close(),
    afterStop: () => tracing.shutdown(),
  });
  const handle = await starting;
  // Hot voice reload on demand (VOICES_DIR is also watched unless VOICES_WATCH=false).
  process.on("SIGHUP", () => void handle.reloadVoices());
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  logger.fatal({ err: message }, `worker failed to start: ${message}`);
  process.exit(1);
});
