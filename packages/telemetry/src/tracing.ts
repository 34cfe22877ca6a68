import { SpanKind, trace, type Span, type Tracer } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { NoopSpanProcessor } from "@opentelemetry/sdk-trace";

/**
 * How a process traces, decided by the standard `OTEL_*` variables alone:
 * - `no-export`: spans are made (so log lines carry real `trace_id`/`span_id` and job
 *   data carries a trace context) but nothing is exported: no exporter, no network.
 *   The default (none of the variables below is set), and `OTEL_TRACES_EXPORTER=none`.
 * - `export`: spans go out through the exporter(s) of `OTEL_TRACES_EXPORTER` (default
 *   `otlp`), configured by `OTEL_EXPORTER_OTLP_*`, sampled by `OTEL_TRACES_SAMPLER*`,
 *   batched by `OTEL_BSP_*`. Chosen when `OTEL_TRACES_EXPORTER` names an exporter or
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set.
 * - `off`: `OTEL_SDK_DISABLED=true`, whatever else is set: no SDK at all (no spans, no
 *   ids in logs; a job's lines in the worker carry the API's trace id, from its data).
 */
export type TracingMode = "off" | "export" | "no-export";

/** Environment variables as `process.env` holds them. */
export type OtelEnv = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined): boolean => value !== undefined && value.trim() !== "";

/** The {@link TracingMode} that `env` asks for. */
export function tracingMode(env: OtelEnv): TracingMode {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return "off";
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // As in the SDK: "none" together with other exporters means the default (otlp).
  if (exporters.length > 0) return exporters.every((e) => e === "none") ? "no-export" : "export";
  if (set(env.OTEL_EXPORTER_OTLP_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return "export";
  return "no-export";
}

/** A started (or skipped) tracing set-up. */
export interface Tracing {
  mode: TracingMode;
  /**
   * Exports the spans still buffered and stops the SDK. Resolves after at most
   * `timeoutMs` (an unreachable collector must not hold up an exit) and never rejects;
   * later calls return the first call's promise.
   * @param timeoutMs upper bound on the flush, ms. @defaultValue 5000
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for traces, configured purely by the `OTEL_*`
 * environment variables of this process (see {@link TracingMode}): with none set it
 * makes spans for the logs' trace ids and loads no exporter; a no-op with
 * `OTEL_SDK_DISABLED=true`. Call it first thing in `main`. Only traces:
 * metrics stay on Prometheus and logs on stdout, and no auto-instrumentation is
 * loaded (the API makes its HTTP server span itself). `serviceName` is
 * `service.name` unless `OTEL_SERVICE_NAME` is set.
 */
export function startTracing(serviceName: string): Tracing {
  const mode = tracingMode(process.env);
  if (mode === "off") return { mode, shutdown: () => Promise.resolve() };
  const sdk = new NodeSDK({
    ...(set(process.env.OTEL_SERVICE_NAME) ? {} : { serviceName }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    // With `none` the SDK would register no tracer provider at all: no span ids. And
    // with nothing exported, the resource (host, process, ...) is not worth detecting.
    ...(mode === "no-export" ? { spanProcessors: [new NoopSpanProcessor()], autoDetectResources: false } : {}),
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    mode,
    shutdown(timeoutMs = 5_000) {
      stopped ??= new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        sdk.shutdown().then(
          () => (clearTimeout(timer), resolve()),
          () => (clearTimeout(timer), resolve()),
        );
      });
      return stopped;
    },
  };
}

/**
 * The tracer of a voxqueue component (`SERVICE.api`, `SERVICE.worker`). Safe to call
 * before {@link startTracing}: it delegates to whatever provider is registered later,
 * and makes non-recording spans while none is.
 */
export function getTracer(name: string): Tracer {
  return trace.getTracer(name);
}

export { SpanKind, type Span, type Tracer };
