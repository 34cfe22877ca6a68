import { describe, expect, it } from "vitest";
import { decodeJobFailure, encodeJobFailure } from "../src/index.js";

describe("encodeJobFailure", () => {
  it("prefixes the type once so the API can parse it back", () => {
    expect(encodeJobFailure("timeout", new Error("took 300 s"))).toBe("timeout: took 300 s");
    expect(encodeJobFailure("timeout", new Error("timeout: took 300 s"))).toBe("timeout: took 300 s");
  });
});

describe("decodeJobFailure", () => {
  it("reads back what encodeJobFailure writes", () => {
    expect(decodeJobFailure(encodeJobFailure("oom", new Error("could not allocate 2 GiB")))).toEqual({ type: "oom", message: "could not allocate 2 GiB" });
    expect(decodeJobFailure(encodeJobFailure("model_error", "bad graph\nsecond line"))).toEqual({ type: "model_error", message: "bad graph\nsecond line" });
  });

  it("reads a reason without a job error type as internal, keeping all of it", () => {
    expect(decodeJobFailure("not_found: nope")).toEqual({ type: "internal", message: "not_found: nope" });
    expect(decodeJobFailure("job stalled more than allowable limit")).toEqual({ type: "internal", message: "job stalled more than allowable limit" });
    expect(decodeJobFailure(": no type")).toEqual({ type: "internal", message: ": no type" });
    expect(decodeJobFailure("  ")).toEqual({ type: "internal", message: "synthesis failed" });
    expect(decodeJobFailure("timeout:")).toEqual({ type: "timeout", message: "synthesis failed" });
  });
});
