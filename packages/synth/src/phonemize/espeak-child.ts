// The phonemizer process (ESPEAK_ISOLATION=process): runs espeak-ng for its parent's worker
// thread, one text per IPC message, and ends when the parent goes away. A crash in espeak-ng
// ends only this process; the parent starts another.
import type { IsolatedReply, IsolatedRequest } from "./espeak-isolated.js";
import { phonemizeEspeakInProcess } from "./espeak-phonemizer.js";

process.on("message", (message) => {
  const request = message as IsolatedRequest;
  let reply: IsolatedReply;
  try {
    reply = { sentences: phonemizeEspeakInProcess(request.text, request.voice, { isolateClauses: request.isolateClauses }) };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    reply = { error: { name: error.name, message: error.message, ...("voice" in error && typeof error.voice === "string" ? { voice: error.voice } : {}) } };
  }
  process.send?.(reply);
});
process.on("disconnect", () => process.exit(0));
