// apps/worker entry: reads the environment, starts one worker, drains on SIGTERM/SIGINT.
import { ConfigError, parseWorkerEnv } from "@voxqueue/config";
import { SERVICE, createLogger, startTracing } from "@voxqueue/telemetry";
import { startWorker } from "./worker-app.js";

// First: every span and log line after this can carry a trace (OTEL_* variables).
const tracing = startTracing(SERVICE.worker);
const logger = createLogger("worker", process.env.LOG_LEVEL as "info" | undefined);

async function main(): Promise<void> {
  const config = parseWorkerEnv(process.env);
  const handle = await startWorker(config, logger);
  let signals = 0;
  const stop = (signal: string) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    logger.info({ signal }, "shutting down");
    handle.close().then(
      async () => {
        await tracing.shutdown();
        process.exit(0);
      },
      (err: Error) => {
        logger.error({ err: err.message }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`voxqueue worker: ${err.message}`);
    process.exit(2);
  }
  logger.fatal({ err: err instanceof Error ? err.message : String(err) }, "worker failed to start");
  process.exit(1);
});
