import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "@voxqueue/contracts";
import { ATTR } from "@voxqueue/telemetry";
import { createApp } from "../src/app.js";
import { KeyStore } from "../src/security/key-store.js";
import { createHarness, type Harness } from "./helpers.js";

const KEY = "vq_span-test-0123456789abcdefghijklmnopqrstuvw";
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();

// Redis db 11 is this file's alone.
let h: Harness;
beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  h = await createHarness({ db: 11, keys: new KeyStore([{ name: "span-key", sha256: hashApiKey(KEY) }]) });
});
afterAll(async () => {
  await h.close();
  context.disable();
});

describe("the request's SERVER span", () => {
  it("carries the API key's name and the request id, never the key", async () => {
    const app = createApp({ ...h.deps, tracer: provider.getTracer("test") });
    const res = await request(app).get("/v1/voices").set("Authorization", `Bearer ${KEY}`).set("X-Request-Id", "span-req-1");
    expect(res.status).toBe(200);
    const span = exporter.getFinishedSpans().find((s) => s.name === "GET /v1/voices");
    expect(span?.attributes).toMatchObject({ [ATTR.apiKeyName]: "span-key", [ATTR.requestId]: "span-req-1" });
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain(KEY);
  });
});
