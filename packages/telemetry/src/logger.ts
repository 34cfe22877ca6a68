import { pino, type Logger, type LoggerOptions } from "pino";

/**
 * A JSON logger on stdout (pino). `app` is added to every line; `level` as in pino.
 * Trace correlation fields (`trace_id`, `span_id`) are added by {@link withTraceContext}.
 */
export function createLogger(app: string, level: LoggerOptions["level"] = "info", destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { app },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The first `max` characters of a user's text for logs, never more (privacy). */
export function textPreview(text: string, max: number): string {
  if (max <= 0) return "";
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export type { Logger };
