import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { VoiceInfo } from "@voxqueue/contracts";
import { parseVoiceConfig, type PiperVoiceConfig, VoiceConfigError } from "./voice-config.js";

/** A Piper voice found on disk: `NAME.onnx` beside `NAME.onnx.json`. */
export interface VoiceFiles {
  /** Voice id: the file stem `NAME`. */
  id: string;
  onnxPath: string;
  configPath: string;
  config: PiperVoiceConfig;
}

/**
 * Finds every voice in `dir`: each `NAME.onnx.json` with a `NAME.onnx` beside it.
 * A config without its model, or an invalid config, is reported in `problems` and
 * skipped (one bad voice must not stop a worker serving the others).
 * @throws when `dir` cannot be read
 */
export async function discoverVoices(dir: string): Promise<{ voices: VoiceFiles[]; problems: string[] }> {
  const names = (await readdir(dir)).sort();
  const voices: VoiceFiles[] = [];
  const problems: string[] = [];
  for (const name of names) {
    if (!name.endsWith(".onnx.json")) continue;
    const id = basename(name, ".onnx.json");
    const configPath = join(dir, name);
    const onnxPath = join(dir, `${id}.onnx`);
    try {
      await stat(onnxPath);
    } catch {
      problems.push(`${configPath}: no model file ${id}.onnx beside it`);
      continue;
    }
    try {
      const config = parseVoiceConfig(JSON.parse(await readFile(configPath, "utf8")), configPath);
      voices.push({ id, onnxPath, configPath, config });
    } catch (err) {
      problems.push(err instanceof VoiceConfigError ? err.message : `${configPath}: ${(err as Error).message}`);
    }
  }
  return { voices, problems };
}

/**
 * Speaker names of a voice in id order. Piper's `speaker_id_map` maps name → id; a
 * multi-speaker voice without a map gets names "0".."n-1"; single-speaker voices have none.
 */
export function speakerNames(config: PiperVoiceConfig): string[] {
  if (config.num_speakers <= 1) return [];
  const entries = Object.entries(config.speaker_id_map);
  if (entries.length === 0) return Array.from({ length: config.num_speakers }, (_, i) => String(i));
  return entries.sort((a, b) => a[1] - b[1]).map(([name]) => name);
}

/**
 * Resolves a request's speaker to Piper's `sid`: a name from `speaker_id_map`, or an
 * integer id (as number or decimal string) below `num_speakers`. Multi-speaker voices
 * default to `default_speaker_id` when the config has one, else 0 (Piper's rule);
 * single-speaker voices take no `sid` (feeding one fails: rhasspy/piper#117).
 * @returns the speaker id, or null for single-speaker voices
 * @throws RangeError naming the unknown speaker
 */
export function resolveSpeakerId(config: PiperVoiceConfig, speaker: string | number | null | undefined): number | null {
  if (config.num_speakers <= 1) {
    if (speaker !== null && speaker !== undefined) throw new RangeError("this voice has a single speaker; omit speaker");
    return null;
  }
  if (speaker === null || speaker === undefined) {
    const def = (config as { default_speaker_id?: unknown }).default_speaker_id;
    return typeof def === "number" ? def : 0;
  }
  const byName = typeof speaker === "string" ? config.speaker_id_map[speaker] : undefined;
  if (byName !== undefined) return byName;
  const asInt = typeof speaker === "number" ? speaker : /^\d+$/.test(speaker) ? Number(speaker) : NaN;
  if (Number.isInteger(asInt) && asInt >= 0 && asInt < config.num_speakers) return asInt;
  throw new RangeError(`unknown speaker "${speaker}"`);
}

/** A voice's language code (`en_US`): the config's `language.code`, else its espeak voice (`en-us`). */
export function voiceLanguage(config: PiperVoiceConfig): string {
  return config.language?.code ?? config.espeak.voice;
}

/** The catalog entry workers publish for a voice (see `VoiceInfo` in contracts). */
export function voiceInfo(voice: VoiceFiles): VoiceInfo {
  const { config } = voice;
  const reference = (config as { voxqueue?: { reference?: unknown } }).voxqueue?.reference === true;
  return {
    id: voice.id,
    language: voiceLanguage(config),
    sample_rate: config.audio.sample_rate,
    num_speakers: config.num_speakers,
    speakers: speakerNames(config),
    ...(config.audio.quality ? { quality: config.audio.quality } : {}),
    reference,
    defaults: { ...config.inference },
    espeak_voice: config.espeak.voice,
    phoneme_type: config.phoneme_type,
  };
}
