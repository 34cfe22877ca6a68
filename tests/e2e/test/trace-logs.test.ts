import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "@voxqueue/contracts";
import { redisDbUrl, startStack, until, type TestStack } from "../src/index.js";

// Logical database 14 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(14);

/** A span as OTLP/HTTP JSON carries it (ids in hex), with its resource's service.name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/**
 * A stand-in for Tempo's OTLP/HTTP receiver (`POST /v1/traces`, JSON): keeps what it
 * is sent. Nothing leaves the machine.
 */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        type Attr = { key: string; value: { stringValue?: string } };
        const request = JSON.parse(body) as { resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: Omit<ReceivedSpan, "service">[] }[] }[] };
        for (const rs of request.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind });
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

let stack: TestStack;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" };
  stack = await startStack({
    redisUrl: REDIS_URL,
    // The API makes spans but exports none (OTEL_TRACES_EXPORTER=none), although a
    // collector is configured: its log lines still carry real trace ids. The worker
    // exports to the receiver above, configured by the standard variables alone.
    apiEnv: { ...otlp, OTEL_TRACES_EXPORTER: "none" },
    workerEnv: { ...otlp, OTEL_TRACES_EXPORTER: "otlp" },
  });
});
afterAll(async () => {
  await stack?.stop();
  receiver?.server.close();
});

const line = (logs: Record<string, unknown>[], msg: string, jobId: string) => logs.find((l) => l.msg === msg && l.job_id === jobId);

describe("traces and logs of real processes", () => {
  it("gives the API's and the worker's log lines for one job the trace id of the request, and exports the worker's spans under it", async () => {
    // A client that traces: the API's request span joins its trace.
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    const res = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${clientSpanId}-01` },
      body: JSON.stringify({ text: "Traces and logs. One job, one trace id.", voice: "en_US-voxqueue_ref-x_low" }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { id: string }).id;
    const view = await until(
      `job ${id}`,
      async () => {
        const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
        return job.status === "completed" || job.status === "failed" ? job : undefined;
      },
      120_000,
      200,
    );
    expect(view.status, JSON.stringify(view.error)).toBe("completed");

    // API: the request line (server span) and "job accepted" (producer span).
    expect(stack.api.logs().find((l) => l.msg === "listening on " + stack.apiUrl)).toMatchObject({ tracing: "no-export" });
    const accepted = line(stack.api.logs(), "job accepted", id);
    expect(accepted).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const request = await until("request log line", async () =>
      stack.api.logs().find((l) => l.msg === "request" && l.route === "/v1/jobs" && l.trace_id === traceId),
    );
    expect(request.span_id).not.toBe(accepted!.span_id);

    // Worker: every line of the job carries the same trace id and its job id.
    const worker = await until("job completed line", async () => (line(stack.workers[0]!.logs(), "job completed", id) ? stack.workers[0]!.logs() : undefined));
    const jobLines = worker.filter((l) => l.job_id === id);
    expect(jobLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["job started", "job synthesized", "job completed"]));
    for (const l of jobLines) expect(l, String(l.msg)).toMatchObject({ trace_id: traceId });
    const started = line(worker, "job started", id)!;

    // Exported: the worker's spans, in the same trace, the consumer under the API's
    // producer span (whose id only the API's "job accepted" line tells).
    const exported = await until(
      "exported worker spans",
      async () => {
        const spans = receiver.spans.filter((s) => s.traceId === traceId);
        return spans.some((s) => s.name === "postprocess") && spans.some((s) => s.name.startsWith("process ")) ? spans : undefined;
      },
      30_000,
    );
    const consumer = exported.find((s) => s.name === `process ${stack.queueName}`)!;
    expect(consumer).toMatchObject({ service: "voxqueue-worker", kind: 5 /* CONSUMER */, parentSpanId: accepted!.span_id, spanId: started.span_id });
    const stages = exported.filter((s) => s.parentSpanId === consumer.spanId).map((s) => s.name);
    expect(stages.sort()).toEqual(["inference", "postprocess", "preprocess"]);
    expect(exported.filter((s) => s.name === "inference.sentence")).toHaveLength(2);
    // The API exported nothing, though OTEL_EXPORTER_OTLP_ENDPOINT pointed here too.
    expect(receiver.spans.filter((s) => s.service !== "voxqueue-worker")).toEqual([]);
  });
});
