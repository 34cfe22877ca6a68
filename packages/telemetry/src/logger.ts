import { pino, type Logger, type LoggerOptions } from "pino";
import { activeTraceFields } from "./spans.js";

/**
 * A JSON logger on stdout (pino). `app` is added to every line; `level` as in pino.
 * A line written inside an active span also carries its `trace_id` and `span_id`
 * (nothing with `OTEL_SDK_DISABLED=true`), so Loki can find a job's lines by trace.
 */
export function createLogger(app: string, level: LoggerOptions["level"] = "info", destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { app },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceFields,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The first `max` characters of a user's text for logs, never more (privacy). */
export function textPreview(text: string, max: number): string {
  if (max <= 0) return "";
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export type { Logger };
