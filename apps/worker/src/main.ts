// apps/worker entry: reads the environment, starts one worker, drains on SIGTERM/SIGINT.
// Exit codes: 0 after a clean shutdown, 1 on a startup failure (or a second signal),
// 2 on invalid configuration.
import { ConfigError, parseWorkerEnv, type WorkerConfig } from "@voxqueue/config";
import { stopOnSignals } from "@voxqueue/runtime";
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
  const handle = await startWorker(config, logger);
  stopOnSignals({ logger, stop: () => handle.close(), afterStop: () => tracing.shutdown() });
  // Hot voice reload on demand (VOICES_DIR is also watched unless VOICES_WATCH=false).
  process.on("SIGHUP", () => void handle.reloadVoices());
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  logger.fatal({ err: message }, `worker failed to start: ${message}`);
  process.exit(1);
});
