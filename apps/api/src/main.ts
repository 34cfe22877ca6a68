/**
 * The API process: reads the environment, starts the API ({@link startApi}) and stops it
 * gracefully on SIGTERM/SIGINT. Exit codes: 0 after a clean shutdown, 1 on a startup
 * failure (or a second signal), 2 on invalid configuration (a variable, or an
 * API_KEYS_FILE that cannot be read or parsed).
 */
import { ConfigError, parseApiEnv, type ApiConfig } from "@voxqueue/config";
import { ApiKeysFileError } from "@voxqueue/contracts";
import { stopOnSignals } from "@voxqueue/runtime";
import { SERVICE, createLogger, startTracing } from "@voxqueue/telemetry";
import { startApi, startFailureMessage } from "./start-api.js";

/** The settings, or exit 2 with what is wrong (before any logger exists: LOG_LEVEL is one of them). */
function readConfig(): ApiConfig {
  try {
    return parseApiEnv(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

// First: every span and log line after this can carry a trace (OTEL_* variables).
const tracing = startTracing(SERVICE.api);
const config = readConfig();
const logger = createLogger("api", config.LOG_LEVEL);

startApi(config, { logger, tracingMode: tracing.mode }).then(
  (api) => stopOnSignals({ logger, stop: api.stop, afterStop: () => tracing.shutdown() }),
  (err: unknown) => {
    // One JSON line (pino writes stdout synchronously), then exit: no plain-text dump.
    logger.fatal({ err }, startFailureMessage(err, config));
    // A bad API_KEYS_FILE is invalid configuration (exit 2), like a bad variable.
    process.exit(err instanceof ApiKeysFileError ? 2 : 1);
  },
);
