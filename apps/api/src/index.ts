export { createApp } from "./app.js";
export { QueuePool, type SynthQueue } from "./queues.js";
export type { AppDeps } from "./types.js";
