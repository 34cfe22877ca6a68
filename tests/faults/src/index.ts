export * from "./jobs.js";
export * from "./measure.js";
export * from "./redis-server.js";
export * from "./burst.js";
export * from "./fault-stack.js";
export * from "./sentinel.js";
export * from "./redis-cluster.js";
