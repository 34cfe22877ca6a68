import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@voxqueue/telemetry";
import { startApi, startFailureMessage } from "../src/start-api.js";
import { LogCapture, REDIS_URL, testConfig } from "./helpers.js";

const admin = new Redis(REDIS_URL);
afterAll(async () => {
  await admin.quit();
});

describe("startApi", () => {
  it("serves on the bound port with the queue's event cap, and stop() drains and closes once", async () => {
    const queueName = `test-start-api-${randomUUID()}`;
    const config = testConfig(queueName, { PORT: "0", HOST: "127.0.0.1", QUEUE_EVENTS_MAX_LEN: "123", SHUTDOWN_GRACE_SECONDS: "5" });
    const logs = new LogCapture();
    const api = await startApi(config, { logger: createLogger("api-test", "info", logs), tracingMode: "off" });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(logs.lines.find((l) => l.msg === `listening on ${api.url}`)).toMatchObject({ queue: queueName, tracing: "off" });
      const health = await fetch(`${api.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      // The queue was opened by the shared factory: its meta carries QUEUE_EVENTS_MAX_LEN.
      await expect.poll(() => admin.hget(`bull:${queueName}:meta`, "opts.maxLenEvents"), { timeout: 30_000, interval: 20 }).toBe("123");
    } finally {
      const first = api.stop();
      expect(api.stop()).toBe(first);
      await first;
      await admin.del(`bull:${queueName}:meta`);
    }
    expect(logs.lines.filter((l) => l.msg === "stopped")).toHaveLength(1);
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });

  it("rejects with the listen error on a port in use, naming the port in the fatal message, without listening", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as AddressInfo).port;
    const config = testConfig(`test-start-api-${randomUUID()}`, { PORT: String(port), HOST: "127.0.0.1" });
    const logs = new LogCapture();
    try {
      const err = await startApi(config, { logger: createLogger("api-test", "info", logs) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "EADDRINUSE" });
      expect(startFailureMessage(err, config)).toBe(
        `api failed to start: 127.0.0.1:${port} is already in use (another process listens there; set PORT to a free port)`,
      );
      expect(logs.lines.some((l) => typeof l.msg === "string" && l.msg.startsWith("listening on"))).toBe(false);
    } finally {
      taken.close();
    }
  });
});
