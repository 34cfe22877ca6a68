export { createApp } from "./app.js";
export { QueuePool, type SynthQueue } from "./queues.js";
export { JobEventHub, type JobEventListener, type JobEventName } from "./job-events.js";
export type { AppDeps } from "./types.js";
export { KeyStore, KEYS_FILE_POLL_MS } from "./security/key-store.js";
export { loadKeys } from "./security/load-keys.js";
export { SubmitAdmission } from "./security/admission.js";
export { startApi, startFailureMessage, type ApiHandle, type StartApiOptions } from "./start-api.js";
