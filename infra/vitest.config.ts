import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // promtool and amtool are spawned processes; a cold start on CI can take seconds.
    testTimeout: 60_000,
  },
});
