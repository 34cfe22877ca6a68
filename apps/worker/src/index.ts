// What other workspace packages (the end-to-end tests) use of the worker.
export { createCompletionRecorder, createProcessor, type ProcessorDeps } from "./processor.js";
export { startWorker, type WorkerHandle } from "./worker-app.js";
