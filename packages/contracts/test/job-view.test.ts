import { describe, expect, it } from "vitest";
import { parseJobFailure } from "../src/index.js";
import { publicStatus } from "../src/job-view.js";

describe("parseJobFailure", () => {
  it("reads the worker's `<type>: <message>` convention", () => {
    expect(parseJobFailure("oom: could not allocate 2 GiB")).toEqual({ type: "oom", message: "could not allocate 2 GiB" });
    expect(parseJobFailure("model_error: bad graph\nsecond line")).toEqual({ type: "model_error", message: "bad graph\nsecond line" });
  });

  it("reads anything else as internal, keeping the whole reason", () => {
    expect(parseJobFailure("not_found: nope")).toEqual({ type: "internal", message: "not_found: nope" }); // an API-only type
    expect(parseJobFailure("job stalled more than allowable limit")).toEqual({ type: "internal", message: "job stalled more than allowable limit" });
    expect(parseJobFailure(undefined)).toEqual({ type: "internal", message: "synthesis failed" });
    expect(parseJobFailure("timeout:")).toEqual({ type: "timeout", message: "synthesis failed" });
  });

  it("clips long messages", () => {
    const { message } = parseJobFailure(`internal: ${"x".repeat(2000)}`);
    expect(message.length).toBe(501);
  });
});

describe("publicStatus", () => {
  it("maps every BullMQ state before a worker runs the job to queued", () => {
    expect(["waiting", "prioritized", "delayed", "waiting-children"].map((s) => publicStatus(s as "waiting"))).toEqual([
      "queued",
      "queued",
      "queued",
      "queued",
    ]);
    expect(publicStatus("active")).toBe("active");
    expect(publicStatus("completed")).toBe("completed");
    expect(publicStatus("failed")).toBe("failed");
    expect(publicStatus("unknown")).toBeNull();
  });
});
