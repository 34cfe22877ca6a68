import { Writable } from "node:stream";
import { createLogger } from "../src/index.js";

/** A logger whose pino lines are kept in memory, parsed. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger("test", "info", stream) };
}
