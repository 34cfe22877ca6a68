import { describe, expect, it } from "vitest";
import { VoxqueueError } from "@voxqueue/contracts";
import { InferenceError, InferenceOutOfMemoryError, InferenceTimeoutError } from "@voxqueue/synth";
import { classifyError, jobErrorMessage } from "../src/classify.js";

describe("classifyError", () => {
  it.each([
    [new VoxqueueError("invalid_input", "no text"), "invalid_input"],
    [new InferenceTimeoutError("too slow"), "timeout"],
    [new InferenceError("Failed to allocate memory for requested buffer of size 123", "Error"), "oom"],
    [new RangeError("Array buffer allocation failed"), "oom"],
    [new InferenceOutOfMemoryError("inference thread ran out of memory", "ERR_WORKER_OUT_OF_MEMORY"), "oom"],
    [new InferenceError("Non-zero status code returned while running Gather node", "Error"), "model_error"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { name: "Error" }), "storage_error"],
    [new TypeError("x is undefined"), "internal"],
  ])("%s → %s", (err, type) => {
    expect(classifyError(err)).toBe(type);
  });
});

describe("jobErrorMessage", () => {
  it("prefixes the type once so the API can parse it back", () => {
    expect(jobErrorMessage("timeout", new Error("took 300 s"))).toBe("timeout: took 300 s");
    expect(jobErrorMessage("timeout", new Error("timeout: took 300 s"))).toBe("timeout: took 300 s");
  });
});
