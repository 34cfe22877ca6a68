/**
 * @voxqueue/voice-forge: generates VITS voices in Piper's format with deterministic
 * synthetic weights, so the project has reference voices without downloading any.
 * The graph is Piper's exported inference graph (`SynthesizerTrn.infer`) at real
 * sizes, so latency and RTF measured with it are those of a real voice; its audio is
 * noise-like, not speech.
 */
export type { VoicePreset, ForgeOptions, ForgedVoice, ForgeProgress } from "./types";
export { forgeVoice, planVoice, DEFAULT_SEED, ForgeOptionsError, type VoicePlan } from "./forge";
export { REFERENCE_VOICES, ensureReferenceVoices } from "./reference";
export { PIPER_PUBLISHED_SIZES } from "./piper-sizes";
export { PRESETS, type VitsHyperParams } from "./presets";
export { buildVoiceConfig, FORGE_VERSION, type ForgedVoiceConfig } from "./config";
export { defaultVoicesDir } from "./paths";
export { decodeModel, encodeModel } from "./onnx/builder";
