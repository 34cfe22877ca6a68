import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { FORGE_VERSION } from "./config";
import { DEFAULT_SEED, ForgeOptionsError, forgeVoice } from "./forge";
import type { ForgedVoice, ForgeOptions, VoicePreset } from "./types";

/**
 * The project's reference voices: Piper medium and x_low sizes, and a 4-speaker x_low
 * that exercises the `sid` input. All use {@link DEFAULT_SEED}.
 */
export const REFERENCE_VOICES: ReadonlyArray<{ name: string; preset: VoicePreset; numSpeakers: number }> = [
  { name: "en_US-voxqueue_ref-medium", preset: "medium", numSpeakers: 1 },
  { name: "en_US-voxqueue_ref-x_low", preset: "x_low", numSpeakers: 1 },
  { name: "en_US-voxqueue_ref_multi-x_low", preset: "x_low", numSpeakers: 4 },
];

/**
 * Makes sure the reference voices exist in `voicesDir`, generating those missing.
 * A voice counts as present when both files exist and its config's `voxqueue` block
 * matches (seed, preset, forge version) with the right speaker count; anything else,
 * including an unreadable config, is regenerated.
 * @param opts.only restrict to these names
 * @returns every selected voice, in {@link REFERENCE_VOICES} order
 * @throws ForgeOptionsError when `only` names a voice that is not a reference voice
 */
export async function ensureReferenceVoices(
  voicesDir: string,
  opts: { onProgress?: ForgeOptions["onProgress"]; only?: string[] } = {},
): Promise<ForgedVoice[]> {
  const unknown = (opts.only ?? []).filter((name) => !REFERENCE_VOICES.some((v) => v.name === name));
  if (unknown.length > 0) throw new ForgeOptionsError(`not reference voices: ${unknown.join(", ")}`);
  const selected = REFERENCE_VOICES.filter((v) => !opts.only || opts.only.includes(v.name));

  const voices: ForgedVoice[] = [];
  for (const v of selected) {
    const cached = await readCached(voicesDir, v);
    if (cached) {
      opts.onProgress?.({ step: `${v.name} cached`, done: 1, total: 1 });
      voices.push(cached);
      continue;
    }
    const onProgress = opts.onProgress;
    voices.push(
      await forgeVoice({
        preset: v.preset,
        numSpeakers: v.numSpeakers,
        seed: DEFAULT_SEED,
        name: v.name,
        outDir: voicesDir,
        onProgress: onProgress && ((p) => onProgress({ ...p, step: `${v.name} ${p.step}` })),
      }),
    );
  }
  return voices;
}

async function readCached(dir: string, v: { name: string; preset: VoicePreset; numSpeakers: number }): Promise<ForgedVoice | undefined> {
  const onnxPath = join(dir, `${v.name}.onnx`);
  const configPath = `${onnxPath}.json`;
  try {
    const config = JSON.parse(await readFile(configPath, "utf8")) as {
      num_speakers?: unknown;
      voxqueue?: { seed?: unknown; preset?: unknown; forge_version?: unknown; parameter_count?: unknown };
    };
    const block = config.voxqueue;
    if (
      block?.seed !== DEFAULT_SEED ||
      block.preset !== v.preset ||
      block.forge_version !== FORGE_VERSION ||
      config.num_speakers !== v.numSpeakers ||
      typeof block.parameter_count !== "number"
    ) {
      return undefined;
    }
    const { size } = await stat(onnxPath);
    return { name: v.name, onnxPath, configPath, parameterCount: block.parameter_count, bytes: size };
  } catch {
    // Missing or unreadable files: regenerate.
    return undefined;
  }
}
