/**
 * Published sizes of Piper voices, by quality, for the forge's printed comparison.
 *
 * - `parameters`: the quality levels as the Piper samples page defines them
 *   (https://rhasspy.github.io/piper-samples/, also VOICES.md of rhasspy/piper):
 *   "x_low - 16Khz audio, 5-7M params", "medium - 22.05Khz audio, 15-20M params",
 *   "high - 22.05Khz audio, 28-32M params" (low: 16 kHz, same size as medium).
 * - `onnxBytes`: `size_bytes` of one voice of that quality in rhasspy/piper-voices'
 *   `voices.json`, as quoted in public repositories: en_US-lessac-medium.onnx
 *   63,201,294; ca_ES-upc_ona-x_low.onnx 20,628,813; de_DE-thorsten-high.onnx
 *   113,895,201. `low` is left out: no size we could cite.
 */
export const PIPER_PUBLISHED_SIZES: Record<string, { parameters: string; onnxBytes: number }> = {
  x_low: { parameters: "5-7M", onnxBytes: 20_628_813 },
  medium: { parameters: "15-20M", onnxBytes: 63_201_294 },
  high: { parameters: "28-32M", onnxBytes: 113_895_201 },
};
