import { SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, describe, expect, it } from "vitest";
import { captureLogs } from "./capture-logs.js";
import { getTracer, inSpan, injectTraceContext, startTracing } from "../src/index.js";
import { tracingMode, type Tracing } from "../src/tracing.js";

// startTracing reads process.env, like the SDK: each test sets exactly the OTEL_* it means.
const saved = { ...process.env };
function setOtelEnv(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith("OTEL_")) delete process.env[key];
  Object.assign(process.env, env);
}
afterAll(() => {
  process.env = saved;
  trace.disable();
  context.disable();
  propagation.disable();
});

describe("tracingMode", () => {
  it.each([
    [{}, "no-export"],
    [{ OTEL_SERVICE_NAME: "x" }, "no-export"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "" }, "no-export"],
    [{ OTEL_SDK_DISABLED: "true" }, "off"],
    [{ OTEL_SDK_DISABLED: "false" }, "no-export"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://tempo:4318" }, "export"],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://tempo:4318/v1/traces" }, "export"],
    [{ OTEL_TRACES_EXPORTER: "otlp" }, "export"],
    [{ OTEL_TRACES_EXPORTER: "console" }, "export"],
    [{ OTEL_TRACES_EXPORTER: "none" }, "no-export"],
    [{ OTEL_TRACES_EXPORTER: " none " }, "no-export"],
    [{ OTEL_TRACES_EXPORTER: "none,otlp" }, "export"],
    [{ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://tempo:4318" }, "no-export"],
    [{ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://tempo:4318" }, "off"],
    [{ OTEL_SDK_DISABLED: "TRUE", OTEL_TRACES_EXPORTER: "none" }, "off"],
    [{ OTEL_SDK_DISABLED: "false", OTEL_TRACES_EXPORTER: "otlp" }, "export"],
  ])("%j → %s", (env, mode) => {
    expect(tracingMode(env)).toBe(mode);
  });
});

// Order matters: the first test must run before any SDK is registered in this process.
describe("startTracing", () => {
  let tracing: Tracing | undefined;
  afterAll(() => tracing?.shutdown());

  it("is a no-op with OTEL_SDK_DISABLED=true: no provider, no span ids, nothing injected, no log fields", async () => {
    setOtelEnv({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9/unused" });
    const off = startTracing("voxqueue-test");
    expect(off.mode).toBe("off");
    const { lines, logger } = captureLogs();
    inSpan(getTracer("t"), "s", {}, (span) => {
      expect(span.isRecording()).toBe(false);
      expect(span.spanContext().traceId).toBe("0".repeat(32));
      expect(injectTraceContext()).toEqual({});
      logger.info("inside");
    });
    expect(lines[0]).not.toHaveProperty("trace_id");
    expect(lines[0]).not.toHaveProperty("span_id");
    await off.shutdown();
  });

  it("by default (no OTEL_* variable) makes real spans, so log lines carry trace ids, and exports nothing", async () => {
    setOtelEnv({});
    const byDefault = startTracing("voxqueue-test");
    expect(byDefault.mode).toBe("no-export");
    const { lines, logger } = captureLogs();
    let ids = { traceId: "", spanId: "" };
    await inSpan(getTracer("t"), "request", {}, async (span) => {
      expect(span.isRecording()).toBe(true);
      ids = span.spanContext();
      await new Promise((r) => setTimeout(r, 1));
      expect(injectTraceContext().traceparent).toBe(`00-${ids.traceId}-${ids.spanId}-01`);
      logger.info("inside");
    });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[0]).toMatchObject({ msg: "inside", trace_id: ids.traceId, span_id: ids.spanId });
    await byDefault.shutdown();
    // The next test starts its own SDK.
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("with OTEL_TRACES_EXPORTER=none makes real spans (ids in logs, a traceparent to inject) and exports nothing", async () => {
    setOtelEnv({ OTEL_TRACES_EXPORTER: "none" });
    tracing = startTracing("voxqueue-test");
    expect(tracing.mode).toBe("no-export");
    const { lines, logger } = captureLogs();
    const tracer = getTracer("t");
    let ids = { traceId: "", spanId: "", childSpanId: "" };
    await inSpan(tracer, "outer", {}, async (outer) => {
      expect(outer.isRecording()).toBe(true);
      logger.child({ job_id: "42" }).info("outer line");
      await new Promise((r) => setTimeout(r, 1));
      // The active context survives awaits (AsyncLocalStorage context manager).
      expect(injectTraceContext().traceparent).toBe(`00-${outer.spanContext().traceId}-${outer.spanContext().spanId}-01`);
      inSpan(tracer, "inner", {}, (inner) => {
        logger.info("inner line");
        ids = { traceId: outer.spanContext().traceId, spanId: outer.spanContext().spanId, childSpanId: inner.spanContext().spanId };
      });
    });
    logger.info("after");
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines).toEqual([
      expect.objectContaining({ msg: "outer line", job_id: "42", trace_id: ids.traceId, span_id: ids.spanId }),
      expect.objectContaining({ msg: "inner line", trace_id: ids.traceId, span_id: ids.childSpanId }),
      expect.not.objectContaining({ trace_id: expect.anything() }),
    ]);
  });

  it("marks a failing span ERROR and passes the error on, sync or async", async () => {
    const tracer = getTracer("t");
    let sync: unknown, async: unknown;
    expect(() =>
      inSpan(tracer, "sync", {}, (span) => {
        sync = span;
        throw new Error("boom");
      }),
    ).toThrow("boom");
    await expect(
      inSpan(tracer, "async", {}, async (span) => {
        async = span;
        throw new Error("bang");
      }),
    ).rejects.toThrow("bang");
    // The SDK's spans are ReadableSpans too.
    for (const [span, message] of [
      [sync, "boom"],
      [async, "bang"],
    ] as [ReadableSpan, string][]) {
      expect(span.ended).toBe(true);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message });
      expect(span.events.map((e) => e.name)).toEqual(["exception"]);
    }
  });

  it("shuts down once, within its time bound", async () => {
    const t0 = Date.now();
    const first = tracing!.shutdown(1_000);
    expect(tracing!.shutdown()).toBe(first);
    await first;
    // Its 1 s limit plus scheduling slack for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
