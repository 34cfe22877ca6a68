import phonemeData from "./data/espeak-phoneme-id-map.json" with { type: "json" };
import type { VitsHyperParams } from "./presets";

/**
 * Version of the generator; part of the config so a cached voice made by an older forge
 * (different graph or weights for the same seed) is regenerated.
 */
export const FORGE_VERSION = 5;

/** The `voxqueue` block of a reference voice's config. */
export interface VoxqueueBlock {
  reference: true;
  preset: string;
  seed: number;
  parameter_count: number;
  forge_version: number;
  note: string;
}

/** The `.onnx.json` the forge writes: Piper's config format plus the `voxqueue` block. */
export interface ForgedVoiceConfig {
  audio: { sample_rate: number; quality: string };
  espeak: { voice: string };
  inference: { noise_scale: number; length_scale: number; noise_w: number };
  phoneme_type: "espeak";
  phoneme_map: Record<string, string[]>;
  phoneme_id_map: Record<string, number[]>;
  num_symbols: number;
  num_speakers: number;
  speaker_id_map: Record<string, number>;
  piper_version: string;
  language: {
    code: string;
    family: string;
    region: string;
    name_native: string;
    name_english: string;
    country_english: string;
  };
  dataset: string;
  voxqueue: VoxqueueBlock;
}

/** Inputs of {@link buildVoiceConfig}. */
export interface VoiceConfigOptions {
  params: VitsHyperParams;
  numSpeakers: number;
  seed: number;
  parameterCount: number;
}

/**
 * Builds a reference voice's config in Piper's format (fields as in
 * en_US-lessac-medium.onnx.json, Piper's default scales 0.667 / 1 / 0.8, espeak
 * `en-us` with Piper's espeak symbol map). Multi-speaker voices name their speakers
 * `speaker_0` … `speaker_{n-1}`.
 */
export function buildVoiceConfig(o: VoiceConfigOptions): ForgedVoiceConfig {
  const speakers: Record<string, number> = {};
  if (o.numSpeakers > 1) for (let i = 0; i < o.numSpeakers; i++) speakers[`speaker_${i}`] = i;
  return {
    audio: { sample_rate: o.params.sampleRateHz, quality: o.params.quality },
    espeak: { voice: "en-us" },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: "espeak",
    phoneme_map: {},
    phoneme_id_map: phonemeData.phoneme_id_map,
    num_symbols: o.params.numSymbols,
    num_speakers: o.numSpeakers,
    speaker_id_map: speakers,
    piper_version: "1.0.0",
    language: {
      code: "en_US",
      family: "en",
      region: "US",
      name_native: "English",
      name_english: "English",
      country_english: "United States",
    },
    dataset: "voxqueue_reference",
    voxqueue: {
      reference: true,
      preset: o.params.preset,
      seed: o.seed,
      parameter_count: o.parameterCount,
      forge_version: FORGE_VERSION,
      note: "synthetic weights: audio is not speech",
    },
  };
}
