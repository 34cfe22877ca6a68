export * from "./metric-names.js";
export * from "./metrics.js";
export * from "./logger.js";
