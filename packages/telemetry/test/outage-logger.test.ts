import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { captureLogs } from "./capture-logs.js";
import { outageLogger } from "../src/index.js";

const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });

describe("outageLogger", () => {
  it("logs each distinct error once per outage, as one JSON line with the error, and again after the connection is back", () => {
    const { lines, logger } = captureLogs();
    const redis = new EventEmitter();
    const warnOnce = outageLogger(logger, redis);
    // The client, a Queue and a Worker on it, each reconnect attempt.
    for (let attempt = 0; attempt < 5; attempt++) {
      warnOnce(refused(), "redis error");
      warnOnce(refused(), "queue q: error");
      warnOnce(new Error("Connection is closed."), "worker error");
    }
    expect(lines.map((l) => l.msg)).toEqual(["redis error", "worker error"]);
    expect(lines[0]).toMatchObject({ level: "warn", err: { message: "connect ECONNREFUSED 127.0.0.1:6379", code: "ECONNREFUSED" } });
    redis.emit("ready");
    warnOnce(refused(), "redis error");
    warnOnce(refused(), "redis error");
    expect(lines.map((l) => l.msg)).toEqual(["redis error", "worker error", "redis error"]);
  });

  it("remembers a bounded number of messages", () => {
    const { lines, logger } = captureLogs();
    const warnOnce = outageLogger(logger, new EventEmitter());
    for (let i = 0; i < 1000; i++) warnOnce(new Error(`error ${i}`), "e");
    warnOnce(new Error("error 999"), "e");
    expect(lines).toHaveLength(1000);
  });
});
