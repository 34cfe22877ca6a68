import { defineConfig } from "vitest/config";

// Real processes, a Redis server per file, kills and restarts: generous timeouts, one
// file at a time (the machine has two cores).
export default defineConfig({
  test: { testTimeout: 300_000, hookTimeout: 180_000, fileParallelism: false },
});
