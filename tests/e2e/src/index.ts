// The end-to-end harness: what its own tests and @voxqueue/faults use.

// processes and ports
export { freePort, redisDbUrl, startApp, until } from "./processes.js";
export type { AppProcess } from "./processes.js";

// the whole stack
export { startStack, testVoicesDir } from "./stack.js";
export type { StackOptions, TestStack } from "./stack.js";

// audio decoding
export { decodeAudio } from "./decode.js";

// browser
export { CHROMIUM_PATH, E2E_OUTPUT_DIR } from "./browser.js";
