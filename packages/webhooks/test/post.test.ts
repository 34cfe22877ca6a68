import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookRefusedError, WebhookTimeoutError, judgeAnswer, parseAllowedHosts, parseRetryAfter, postWebhook, retryDelayMs } from "../src/index.js";

let server: Server;
let port: number;
const received: { url: string; body: string; headers: IncomingMessage["headers"] }[] = [];
const routes: Record<string, (res: ServerResponse) => void> = {
  "/ok": (res) => res.writeHead(204).end(),
  "/redirect": (res) => res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end(),
  "/slow": (res) => setTimeout(() => res.writeHead(200).end(), 3_000),
  "/busy": (res) => res.writeHead(429, { "retry-after": "7" }).end(),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ url: req.url ?? "", body, headers: req.headers });
      (routes[req.url ?? ""] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const LOOPBACK = { timeoutMs: 1_000, allowedHosts: parseAllowedHosts("127.0.0.1") };
const NONE = { timeoutMs: 1_000, allowedHosts: parseAllowedHosts("") };

describe("postWebhook against a real receiver on loopback", () => {
  it("sends the body and headers to an allowlisted host", async () => {
    const answer = await postWebhook(`http://127.0.0.1:${port}/ok`, '{"a":1}', { "webhook-id": "msg_x" }, LOOPBACK);
    expect(answer.status).toBe(204);
    const last = received.at(-1)!;
    expect(last.body).toBe('{"a":1}');
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["webhook-id"]).toBe("msg_x");
  });

  it("does not follow redirects: the 3xx is the answer", async () => {
    const before = received.length;
    const answer = await postWebhook(`http://127.0.0.1:${port}/redirect`, "{}", {}, LOOPBACK);
    expect(answer.status).toBe(302);
    expect(judgeAnswer(answer.status)).toBe("give_up");
    expect(received.length).toBe(before + 1);
  });

  it("times out a slow receiver", async () => {
    await expect(postWebhook(`http://127.0.0.1:${port}/slow`, "{}", {}, { ...LOOPBACK, timeoutMs: 300 })).rejects.toBeInstanceOf(WebhookTimeoutError);
  });

  it("passes Retry-After on", async () => {
    const answer = await postWebhook(`http://127.0.0.1:${port}/busy`, "{}", {}, LOOPBACK);
    expect(judgeAnswer(answer.status)).toBe("retry");
    expect(parseRetryAfter(answer.headers["retry-after"], Date.now())).toBe(7_000);
  });

  it.each([
    ["http to a host not allowlisted", () => `http://127.0.0.1:${port}/ok`],
    ["https to a loopback literal", () => `https://127.0.0.1:${port}/ok`],
    ["https to [::1]", () => `https://[::1]:${port}/ok`],
    ["https to [::ffff:127.0.0.1]", () => `https://[::ffff:127.0.0.1]:${port}/ok`],
    ["https to a name resolving to loopback (guarded lookup)", () => `https://localhost:${port}/ok`],
    ["https to the metadata address", () => "https://169.254.169.254/latest/meta-data"],
  ])("refuses %s without sending anything", async (_name, url) => {
    const before = received.length;
    await expect(postWebhook(url(), "{}", {}, NONE)).rejects.toBeInstanceOf(WebhookRefusedError);
    expect(received.length).toBe(before);
  });
});

describe("retry schedule", () => {
  const policy = { baseMs: 1_000, maxMs: 10_000 };
  it("doubles from the base up to the cap, with half the delay jittered", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(a, policy, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each([
    [200, "delivered"],
    [204, "delivered"],
    [301, "give_up"],
    [400, "give_up"],
    [404, "give_up"],
    [410, "give_up"],
    [408, "retry"],
    [429, "retry"],
    [500, "retry"],
    [503, "retry"],
  ] as const)("judges %i as %s", (status, verdict) => {
    expect(judgeAnswer(status)).toBe(verdict);
  });
});
