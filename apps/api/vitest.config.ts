import { defineConfig, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

// One file at a time: each file takes a logical Redis database and flushes it (the voice
// catalog and heartbeat keys are fixed), and there are more files than Redis's 16
// databases, so two files sharing one must not run at once.
export default mergeConfig(sharedTestConfig, defineConfig({ test: { fileParallelism: false } }));
