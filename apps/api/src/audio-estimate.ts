import { VoxqueueError } from "@voxqueue/contracts";

/**
 * Lower bound of the audio one character of text gives at length_scale 1, seconds. The
 * reference voices give ~70 ms a character of English prose; Piper voices 50-90 ms.
 * Half the low end keeps the estimate below the real audio, so the API refuses only
 * texts clearly over MAX_AUDIO_SECONDS; the worker holds the exact limit (a phoneme
 * estimate before inference, the audio itself during it). The API does not phonemize on
 * the submit path: characters are free, espeak is not.
 */
export const MIN_SECONDS_PER_CHAR = 0.03;

/**
 * A 400 naming the field to change when `chars` characters at `lengthScale` clearly
 * give more than `maxAudioSeconds` of audio: `length_scale` when the text would fit at
 * length_scale 1, else `text`.
 */
export function assertAudioEstimateWithin(chars: number, lengthScale: number, maxAudioSeconds: number): void {
  const estimate = chars * lengthScale * MIN_SECONDS_PER_CHAR;
  if (estimate <= maxAudioSeconds) return;
  const field = chars * MIN_SECONDS_PER_CHAR <= maxAudioSeconds ? "length_scale" : "text";
  throw new VoxqueueError(
    "invalid_input",
    `${field}: the audio would be at least ${Math.round(estimate)} s (${chars} characters at length_scale ${lengthScale}, ` +
      `${MIN_SECONDS_PER_CHAR} s a character at the least), over MAX_AUDIO_SECONDS (${maxAudioSeconds} s)`,
    field,
  );
}
