import type { Logger } from "pino";

/** The part of `process` that {@link stopOnSignals} uses (tests pass their own). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): never;
}

/** What {@link stopOnSignals} does on a signal. */
export interface ShutdownOptions {
  logger: Logger;
  /** Stops the app gracefully (drains, closes its connections); a rejection exits 1. */
  stop: () => Promise<void>;
  /** Runs after `stop`, e.g. flushing traces. */
  afterStop?: () => Promise<void>;
  /** @defaultValue `["SIGTERM", "SIGINT"]` */
  signals?: readonly NodeJS.Signals[];
  /** @defaultValue `process` */
  process?: SignalSource;
}

/**
 * The graceful stop both apps share: on the first signal logs `shutting down`, runs
 * `stop` then `afterStop` and exits 0 (1 and an error line `shutdown failed` if either
 * rejects); a second signal while stopping logs a warning and exits 1 at once, for an
 * operator who will not wait for the drain.
 */
export function stopOnSignals(opts: ShutdownOptions): void {
  const proc = opts.process ?? process;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      opts.logger.warn({ signal }, "second signal: exiting now");
      proc.exit(1);
      return;
    }
    stopping = true;
    opts.logger.info({ signal }, "shutting down");
    opts
      .stop()
      .then(() => opts.afterStop?.())
      .then(
        () => proc.exit(0),
        (err: unknown) => {
          opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, "shutdown failed");
          proc.exit(1);
        },
      );
  };
  for (const signal of opts.signals ?? ["SIGTERM", "SIGINT"]) proc.on(signal, onSignal);
}
