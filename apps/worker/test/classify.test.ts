import { describe, expect, it } from "vitest";
import { VoxqueueError, classifyJobError } from "@voxqueue/contracts";
import { EspeakCrashError, InferenceError, InferenceOutOfMemoryError, InferenceTimeoutError } from "@voxqueue/synth";

// Classification lives in contracts and knows synth's errors by name; this checks it against the real classes.
describe("classifyJobError", () => {
  it.each([
    [new VoxqueueError("invalid_input", "no text"), "invalid_input"],
    [new InferenceTimeoutError("too slow"), "timeout"],
    [new InferenceError("Failed to allocate memory for requested buffer of size 123", "Error"), "oom"],
    [new RangeError("Array buffer allocation failed"), "oom"],
    [new InferenceOutOfMemoryError("inference thread ran out of memory", "ERR_WORKER_OUT_OF_MEMORY"), "oom"],
    [new InferenceError("Non-zero status code returned while running Gather node", "Error"), "model_error"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { name: "Error" }), "storage_error"],
    [new EspeakCrashError("SIGSEGV", "en-us"), "invalid_input"],
    [new TypeError("x is undefined"), "internal"],
  ])("%s → %s", (err, type) => {
    expect(classifyJobError(err)).toBe(type);
  });
});
