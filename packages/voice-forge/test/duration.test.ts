import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeModel } from "../src/onnx/builder";
import { PRESETS, type VitsHyperParams } from "../src/presets";
import { buildVitsGraph } from "../src/vits/synthesizer";
import { NO_NOISE, PHONEME_CASES, PIPER_SCALES, deterministicVariant, phonemeCount, phonemeIds, synthesize } from "./helpers";

async function session(p: VitsHyperParams): Promise<ort.InferenceSession> {
  const b = buildVitsGraph({ params: p, numSpeakers: 1, seed: 1234 });
  return ort.InferenceSession.create(encodeModel(b.toModel(b.materialize(1234), { graphName: "t", docString: "", metadata: {} })));
}

const ids = phonemeIds(PHONEME_CASES.find((c) => c.text.startsWith("A rainbow"))!.phonemes);
const msPerPhoneme = (samples: number, p: VitsHyperParams) => (1000 * samples) / p.sampleRateHz / phonemeCount(ids);

describe("duration predictors", () => {
  it("stochastic: noise_w varies the durations, which stay speech-like", async () => {
    const p = PRESETS.x_low;
    const s = await session(p);
    const calm = (await synthesize(s, ids, NO_NOISE)).dims[2]!;
    const noisy = (await synthesize(s, ids, { ...NO_NOISE, noiseW: 0.8 })).dims[2]!;
    expect(noisy).not.toBe(calm);
    for (const n of [calm, noisy]) {
      expect(msPerPhoneme(n, p)).toBeGreaterThan(60);
      expect(msPerPhoneme(n, p)).toBeLessThan(120);
    }
  });

  it("deterministic: noise_w has no effect, durations stay speech-like", async () => {
    const p = deterministicVariant(PRESETS.x_low);
    const s = await session(p);
    const a = (await synthesize(s, ids, PIPER_SCALES)).dims[2]!;
    const b = (await synthesize(s, ids, { ...PIPER_SCALES, noiseW: 0 })).dims[2]!;
    expect(b).toBe(a);
    expect(msPerPhoneme(a, p)).toBeGreaterThan(60);
    expect(msPerPhoneme(a, p)).toBeLessThan(120);
  });
});
