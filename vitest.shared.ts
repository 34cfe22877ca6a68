import { defineConfig } from "vitest/config";

/**
 * Test timeouts every package shares. Tests wait on events, not on the clock; the limits here only
 * end a test that hangs, so they are generous enough for a loaded 2-core CI machine (vitest's own
 * 5 s default is not: a real ONNX session or a Redis round trip can take seconds there).
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
