import { defineConfig } from "vitest/config";

// Real processes and real Redis: generous timeouts, one file at a time (they share
// the machine's two cores).
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false },
});
