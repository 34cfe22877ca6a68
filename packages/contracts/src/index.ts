export * from "./api-keys.js";
export * from "./errors.js";
export * from "./jobs.js";
export * from "./text.js";
export * from "./job-failure.js";
export * from "./queue.js";
export * from "./voices.js";
export * from "./audio-formats.js";
