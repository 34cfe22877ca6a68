export * from "./processes.js";
export * from "./stack.js";
export * from "./decode.js";
export * from "./browser.js";
