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

/** Line breaks and tabs: a preview shows one space for each run of them. */
const BREAKS = /[\t\n\v\f\r\u0085]+/gu;
/**
 * What a preview leaves out: control (Cc) and format (Cf) characters, such as NUL, ESC,
 * the bidi overrides U+202E and U+2066–U+2069, zero-width joiners and U+FEFF; and lone
 * surrogates (Cs), half a character. In a log viewer they can hide or reorder what the
 * line shows.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

/**
 * The first `max` characters (code points) of a user's text for logs, never more
 * (privacy), followed by `…` when cut; control and format characters are left out
 * and line breaks become spaces, so the preview shows exactly what it says.
 */
export function textPreview(text: string, max: number): string {
  if (max <= 0) return "";
  const visible = Array.from(text.replace(BREAKS, " ").replace(INVISIBLE, ""));
  return visible.length > max ? `${visible.slice(0, max).join("")}…` : visible.join("");
}

export type { Logger };
