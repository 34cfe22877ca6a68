import { ROOT_CONTEXT, TraceFlags, context, trace, type SpanContext } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { extractTraceContext, injectTraceContext } from "../src/index.js";

// No SDK here: the propagation helpers work on span contexts alone, so a worker with
// tracing off still reads the API's context, and the API writes nothing without a span.
const parent: SpanContext = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: TraceFlags.SAMPLED,
  traceState: new TraceState("vendor=abc"),
};

describe("injectTraceContext / extractTraceContext", () => {
  it("round-trips traceparent and tracestate through a plain record", () => {
    const carrier = injectTraceContext(trace.setSpanContext(ROOT_CONTEXT, parent));
    expect(carrier).toEqual({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=abc" });
    // What a job's data looks like after a trip through Redis.
    const back = trace.getSpanContext(extractTraceContext(JSON.parse(JSON.stringify(carrier)) as unknown, ROOT_CONTEXT));
    expect(back).toMatchObject({ traceId: parent.traceId, spanId: parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(back?.traceState?.serialize()).toBe("vendor=abc");
  });

  it("keeps the sampled flag off when the parent was not sampled", () => {
    const carrier = injectTraceContext(trace.setSpanContext(ROOT_CONTEXT, { ...parent, traceFlags: TraceFlags.NONE, traceState: undefined }));
    expect(carrier).toEqual({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" });
    expect(trace.getSpanContext(extractTraceContext(carrier, ROOT_CONTEXT))?.traceFlags).toBe(TraceFlags.NONE);
  });

  it("writes nothing without a valid span (tracing off, or outside any span)", () => {
    expect(injectTraceContext()).toEqual({});
    expect(injectTraceContext(ROOT_CONTEXT)).toEqual({});
    expect(injectTraceContext(trace.setSpanContext(ROOT_CONTEXT, { ...parent, traceId: "0".repeat(32) }))).toEqual({});
  });

  it("defaults to the active context on both sides", () => {
    // No context manager is registered, so the active context is the root one.
    expect(context.active()).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
  });

  it("ignores what is not a W3C trace context: old jobs, garbage, non-string values", () => {
    for (const carrier of [undefined, null, "00-x", 42, [], {}, { traceparent: 7 }, { traceparent: "00-zz-yy-01" }, { traceparent: "not a traceparent" }]) {
      expect(trace.getSpanContext(extractTraceContext(carrier, ROOT_CONTEXT)), JSON.stringify(carrier)).toBeUndefined();
    }
  });

  it("does not read inherited properties of the carrier", () => {
    const carrier = Object.create({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }) as object;
    expect(trace.getSpanContext(extractTraceContext(carrier, ROOT_CONTEXT))).toBeUndefined();
  });
});
