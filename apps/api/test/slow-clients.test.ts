import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app.js";
import { CLIENT_CLOSED_REQUEST } from "../src/observe.js";
import { CONNECTIONS_CHECK_INTERVAL_MS, applyServerLimits, httpServerOptions, type ServerLimits } from "../src/server-limits.js";
import { createHarness, parseMetrics, sampleValue, type Harness } from "./helpers.js";

// Real sockets against the app on a real HTTP server with the API's limits. Limits are
// a few seconds (generous against a busy machine); each slow connection must be closed
// no earlier than its limit and no later than the limit plus a wide margin.
const ENV = { HTTP_HEADERS_TIMEOUT_SECONDS: "3", HTTP_REQUEST_TIMEOUT_SECONDS: "5", HTTP_MAX_CONNECTIONS: "0" };
let LIMITS: ServerLimits;
const LATE_MARGIN_MS = 2 * CONNECTIONS_CHECK_INTERVAL_MS + 5_000;

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 14, env: ENV });
  LIMITS = h.deps.config;
});
afterAll(async () => {
  await h.close();
});

async function serve(limits: ServerLimits, app = h.app): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = applyServerLimits(createServer(httpServerOptions(limits), app), limits);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A raw client connection: what it received and when the server closed it (ms after connecting). */
interface SlowClient {
  socket: Socket;
  kind: string;
  limitMs: number;
  received: string;
  closedAfterMs?: number;
}

function slowClient(port: number, kind: string, limitMs: number, send: string | null): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    const client: SlowClient = { socket, kind, limitMs, received: "" };
    socket.on("data", (d: Buffer) => (client.received += d.toString("latin1")));
    socket.on("close", () => (client.closedAfterMs = performance.now() - started));
    socket.on("error", () => undefined); // a reset by the server ends it the same way
    socket.once("connect", () => {
      if (send !== null) socket.write(send);
      resolve(client);
    });
    socket.once("error", reject);
  });
}

describe("slow clients", () => {
  it("200 slow connections do not hold up /healthz, and each is closed within its timeout", async () => {
    const srv = await serve(LIMITS);
    try {
      const headersMs = LIMITS.HTTP_HEADERS_TIMEOUT_SECONDS * 1000;
      const requestMs = LIMITS.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
      const clients = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          if (i % 3 === 0) return slowClient(srv.port, "nothing sent", headersMs, null);
          if (i % 3 === 1) return slowClient(srv.port, "headers never finished", headersMs, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
          // A body shorter than its Content-Length (it held a connection 325 s before).
          const body = '{"text": "never finished';
          return slowClient(
            srv.port,
            "short body",
            requestMs,
            `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${body}`,
          );
        }),
      );
      const open = () => clients.filter((c) => c.closedAfterMs === undefined).length;

      // Probes answer while all 200 are still held open.
      const latencies: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
        latencies.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
      expect(open()).toBe(200);
      console.log(`/healthz with 200 slow connections open: ${latencies.map((l) => l.toFixed(1)).join(", ")} ms`);

      await vi.waitFor(() => expect(open()).toBe(0), { timeout: requestMs + LATE_MARGIN_MS + 10_000, interval: 100 });
      for (const c of clients) {
        expect(c.closedAfterMs, c.kind).toBeGreaterThanOrEqual(c.limitMs - 50);
        expect(c.closedAfterMs, c.kind).toBeLessThanOrEqual(c.limitMs + LATE_MARGIN_MS);
        expect(c.received, c.kind).toMatch(/^HTTP\/1\.1 408 /);
      }
      // Nothing was queued by the unfinished bodies, which are counted as the 408 they got.
      expect(await h.queue.count()).toBe(0);
      const shortBodies = clients.filter((c) => c.kind === "short body").length;
      await vi.waitFor(async () => {
        const samples = parseMetrics(await h.deps.registry.metrics());
        expect(sampleValue(samples, "tts_http_requests_total", { method: "POST", route: "/v1/jobs", status_code: "408" })).toBe(shortBodies);
      });
    } finally {
      await srv.close();
    }
  }, 60_000);

  it("past HTTP_MAX_CONNECTIONS a new connection is closed at once; when one leaves, requests are served again", async () => {
    const srv = await serve({ ...LIMITS, HTTP_MAX_CONNECTIONS: 5 });
    try {
      const held = await Promise.all(Array.from({ length: 5 }, () => slowClient(srv.port, "held", 0, null)));
      await vi.waitFor(async () => expect(await new Promise((r) => srv.server.getConnections((_e, n) => r(n)))).toBe(5), { timeout: 10_000 });
      const extra = await slowClient(srv.port, "over the cap", 0, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      await vi.waitFor(() => expect(extra.closedAfterMs).toBeDefined(), { timeout: 10_000 });
      expect(extra.received).toBe("");
      held[0]!.socket.destroy();
      await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${srv.port}/healthz`)).status).toBe(200), { timeout: 10_000, interval: 200 });
      for (const c of held) c.socket.destroy();
    } finally {
      await srv.close();
    }
  }, 30_000);
});

describe("a client that goes away before the answer", () => {
  it("is logged and counted as 499, not as the answer it never got", async () => {
    // The submit waits at its first Redis read (the voice catalog) until the client has gone.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const fleet = Object.create(h.fleet) as typeof h.fleet;
    fleet.voices = async (maxAgeMs) => {
      entered();
      await gate;
      return h.fleet.voices(maxAgeMs);
    };
    const srv = await serve(LIMITS, createApp({ ...h.deps, fleet }));
    h.logs.lines.length = 0;
    try {
      const body = JSON.stringify({ text: "Hello there." });
      const client = await slowClient(
        srv.port,
        "leaves",
        0,
        `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      await inHandler;
      client.socket.destroy();
      const line = () => h.logs.lines.find((l) => l.msg === "request" && l.route === "/v1/jobs" && l.method === "POST");
      await vi.waitFor(() => expect(line()).toBeDefined(), { timeout: 10_000, interval: 50 });
      expect(line()).toMatchObject({ status: CLIENT_CLOSED_REQUEST, aborted: true });
      release();
      const samples = parseMetrics(await h.deps.registry.metrics());
      expect(sampleValue(samples, "tts_http_requests_total", { method: "POST", route: "/v1/jobs", status_code: "499" })).toBe(1);
      expect(sampleValue(samples, "tts_http_requests_total", { method: "POST", route: "/v1/jobs", status_code: "202" })).toBeUndefined();
      expect(sampleValue(samples, "tts_http_requests_total", { method: "POST", route: "/v1/jobs", status_code: "200" })).toBeUndefined();
    } finally {
      release();
      await srv.close();
    }
  }, 30_000);
});
