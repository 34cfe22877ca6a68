export * from "./voice-config.js";
export * from "./voice.js";
export * from "./audio.js";
export * from "./onnx-session.js";
export * from "./prepare.js";
export { InferencePool, InferenceError, InferenceOutOfMemoryError, InferenceTimeoutError, type InferencePoolOptions, type InferenceRequest, type InferenceResult, type VoiceLoadFailure } from "./inference/pool.js";
export { phonemize, phonemizeCodepoints, EspeakNotFoundError, EspeakError, espeakInfo, type Casing } from "./phonemize/index.js";
export { phonemeIds, type PhonemeIds } from "./phoneme-ids.js";
export { normalizeText, chunkText, DEFAULT_CHUNK_BYTES, type NormalizeOptions, type ChunkOptions } from "./text/index.js";
