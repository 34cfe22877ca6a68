export { createApp } from "./app.js";
export { QueuePool, type SynthQueue } from "./queues.js";
export { JobEventHub, type JobEventListener, type JobEventName } from "./job-events.js";
export type { AppDeps } from "./types.js";
