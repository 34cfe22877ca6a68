// Preloaded (node --require) into the fuzzer's process by the runner when glibc is older than
// Jazzer.js's prebuild needs (see glibc-compat.ts): loads the rebound copy named by
// VOXQUEUE_JAZZER_ADDON ("<original>\n<patched>") in place of the prebuild.
"use strict";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a --require preload is CommonJS
const Module = require("node:module");
const [original, patched] = (process.env.VOXQUEUE_JAZZER_ADDON ?? "").split("\n");
if (original && patched) {
  const loadNative = Module._extensions[".node"];
  Module._extensions[".node"] = function (module, filename) {
    return loadNative.call(this, module, filename === original ? patched : filename);
  };
}
