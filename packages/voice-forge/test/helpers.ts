import { readFileSync } from "node:fs";
import ort from "onnxruntime-node";
import phonemeData from "../src/data/espeak-phoneme-id-map.json" with { type: "json" };
import type { VitsHyperParams } from "../src/presets";

/** One entry of test/fixtures/piper-phonemes.json. */
export interface PhonemeCase {
  text: string;
  phonemes: string;
  sentences?: string[];
  ids?: number[];
  source: string;
}

export const PHONEME_CASES: PhonemeCase[] = (
  JSON.parse(readFileSync(new URL("./fixtures/piper-phonemes.json", import.meta.url), "utf8")) as { cases: PhonemeCase[] }
).cases;

const MAP: Record<string, number[]> = phonemeData.phoneme_id_map;

/**
 * Piper's phoneme → id rule (piper-phonemize `phoneme_ids.cpp`): `^`, `_`, then each
 * phoneme's ids each followed by `_`, then `$`. Phonemes are NFD code points.
 */
export function phonemeIds(phonemes: string): number[] {
  const ids = [...MAP["^"]!, ...MAP["_"]!];
  for (const ch of phonemes.normalize("NFD")) {
    const known = MAP[ch];
    if (!known) continue;
    for (const id of known) ids.push(id, ...MAP["_"]!);
  }
  ids.push(...MAP["$"]!);
  return ids;
}

/** Number of phonemes (ids that are not `^`, `_`, `$`). */
export function phonemeCount(ids: number[]): number {
  return ids.filter((id) => id > 2).length;
}

/** Scales as Piper passes them: [noise_scale, length_scale, noise_w]. */
export interface Scales {
  noiseScale: number;
  lengthScale: number;
  noiseW: number;
}

export const PIPER_SCALES: Scales = { noiseScale: 0.667, lengthScale: 1, noiseW: 0.8 };
export const NO_NOISE: Scales = { noiseScale: 0, lengthScale: 1, noiseW: 0 };

/** Runs a Piper-format session; returns the `output` tensor. */
export async function synthesize(session: ort.InferenceSession, ids: number[], scales: Scales, sid?: number): Promise<ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    input: new ort.Tensor(
      "int64",
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [1, ids.length],
    ),
    input_lengths: new ort.Tensor("int64", BigInt64Array.from([BigInt(ids.length)]), [1]),
    scales: new ort.Tensor("float32", Float32Array.from([scales.noiseScale, scales.lengthScale, scales.noiseW]), [3]),
  };
  if (sid !== undefined) feeds.sid = new ort.Tensor("int64", BigInt64Array.from([BigInt(sid)]), [1]);
  const out = await session.run(feeds);
  return out.output!;
}

/** Peak and RMS of audio samples, and whether all are finite. */
export function audioStats(samples: Float32Array): { peak: number; rms: number; finite: boolean } {
  let peak = 0;
  let sum = 0;
  let finite = true;
  for (const v of samples) {
    if (!Number.isFinite(v)) finite = false;
    peak = Math.max(peak, Math.abs(v));
    sum += v * v;
  }
  return { peak, rms: Math.sqrt(sum / Math.max(1, samples.length)), finite };
}

/** A preset with VITS's deterministic duration predictor (`use_sdp=False`, 256 filters). */
export function deterministicVariant(p: VitsHyperParams): VitsHyperParams {
  return { ...p, durationPredictor: { ...p.durationPredictor, kind: "deterministic", filterChannels: 256 } };
}
