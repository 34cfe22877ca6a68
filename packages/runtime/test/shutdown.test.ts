import { EventEmitter, once } from "node:events";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { stopOnSignals, type SignalSource } from "../src/shutdown.js";

/** A process stand-in: signals are emitted by the test, `exit` records its code and emits `exit`. */
class FakeProcess extends EventEmitter {
  readonly codes: number[] = [];
  exit(code: number): never {
    this.codes.push(code);
    this.emit("exit", code);
    return undefined as never;
  }
}

function setUp(stop: () => Promise<void>, afterStop?: () => Promise<void>) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const proc = new FakeProcess();
  stopOnSignals({ logger: pino({ base: null }, stream), stop, ...(afterStop ? { afterStop } : {}), process: proc as unknown as SignalSource });
  return { proc, lines };
}

describe("stopOnSignals", () => {
  it("on SIGTERM: logs the signal, stops, runs afterStop, then exits 0", async () => {
    const order: string[] = [];
    const { proc, lines } = setUp(
      async () => void order.push("stop"),
      async () => void order.push("afterStop"),
    );
    proc.emit("SIGTERM", "SIGTERM");
    await once(proc, "exit");
    expect(order).toEqual(["stop", "afterStop"]);
    expect(proc.codes).toEqual([0]);
    expect(lines[0]).toMatchObject({ level: 30, signal: "SIGTERM", msg: "shutting down" });
  });

  it("on a second signal while stopping: warns and exits 1 at once", async () => {
    let finish!: () => void;
    const { proc, lines } = setUp(() => new Promise<void>((resolve) => (finish = resolve)));
    proc.emit("SIGINT", "SIGINT");
    proc.emit("SIGTERM", "SIGTERM");
    expect(proc.codes).toEqual([1]);
    expect(lines[1]).toMatchObject({ level: 40, signal: "SIGTERM", msg: "second signal: exiting now" });
    finish();
    await once(proc, "exit");
    expect(proc.codes).toEqual([1, 0]);
    expect(lines.filter((l) => l.msg === "shutting down")).toHaveLength(1);
  });

  it("when stopping fails: an error line and exit 1", async () => {
    const { proc, lines } = setUp(() => Promise.reject(new Error("queue close failed")));
    proc.emit("SIGTERM", "SIGTERM");
    await once(proc, "exit");
    expect(proc.codes).toEqual([1]);
    expect(lines[1]).toMatchObject({ level: 50, err: "queue close failed", msg: "shutdown failed" });
  });
});
