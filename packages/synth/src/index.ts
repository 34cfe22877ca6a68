// The synthesis engine as the worker, the API, the CLI and the tests use it. Only names other workspace
// packages import are exported; the rest stays inside its module (audio encoders: @voxqueue/synth/encode).

// voice discovery
export { discoverVoices, voiceInfo, voiceLanguage } from "./voice.js";
export type { VoiceFiles } from "./voice.js";

// PCM and WAV
export { encodeWavPieces, encodeWavSentences, floatToInt16, silenceSamples, WAV_HEADER_BYTES, wavHeader } from "./audio.js";

// ONNX voice session
export { VoiceSession } from "./onnx-session.js";
export type { ExecutionProvider, Scales } from "./onnx-session.js";

// voice config (Piper's .onnx.json)
export { parseVoiceConfig } from "./voice-config.js";
export type { PiperVoiceConfig } from "./voice-config.js";

// text → phoneme ids
export { prepareText } from "./prepare.js";
export type { PreparedText } from "./prepare.js";

// reading text aloud (SSML or plain)
export { readText } from "./read-text.js";

// word timings
export type { WordTiming } from "./timing/word-timings.js";

// SSML
export { isSsml, parseSsml, SsmlError } from "./ssml/parse.js";

// inference pool
export { InferenceError, InferenceOutOfMemoryError, InferencePool, InferenceTimeoutError } from "./inference/pool.js";
export type { InferenceRequest, SentencePcm } from "./inference/pool.js";

// espeak-ng
export { EspeakCrashError, EspeakError, espeakInfo, espeakIsolation, EspeakNotFoundError, phonemize, type EspeakIsolation } from "./phonemize/index.js";

// synthesis pipeline
export { audioSeconds, realTimeFactor, Synthesis, synthesize } from "./pipeline/synthesize.js";
export type { AudioChunk } from "./pipeline/synthesize.js";

// long-form text
export { splitLongText } from "./long-form.js";
