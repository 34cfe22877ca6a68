import type { Logger } from "pino";

/** What tells an {@link outageLogger} that the connection is back: an ioredis client (its `ready` event). */
export interface ConnectionEvents {
  on(event: "ready", listener: () => void): unknown;
}

/** Distinct messages remembered in one outage; past this many the oldest is forgotten (and may be logged again). */
const REMEMBERED_MESSAGES = 32;

/**
 * A warn-logger for connection errors that logs each distinct error message once per
 * outage, as one JSON line: while Redis is away every reconnect attempt repeats the
 * same error, from the client and again from each BullMQ `Queue` and `Worker` on it
 * (which print multi-line dumps with `console.error` when they have no `error`
 * listener: give them this one). The outage ends when `connection` emits `ready`;
 * the next error is logged again.
 * @returns `(err, msg)`: logs `msg` at warn with `err`, unless `err.message` was logged in this outage
 */
export function outageLogger(logger: Logger, connection: ConnectionEvents): (err: Error, msg: string) => void {
  const seen = new Set<string>();
  connection.on("ready", () => seen.clear());
  return (err, msg) => {
    const key = err instanceof Error ? err.message : String(err);
    if (seen.has(key)) return;
    if (seen.size >= REMEMBERED_MESSAGES) seen.delete(seen.values().next().value as string);
    seen.add(key);
    logger.warn({ err }, msg);
  };
}
