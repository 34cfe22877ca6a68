/**
 * The audio formats voxqueue serves (the names of OpenAI's `response_format`), with the
 * `Content-Type` each answers with and its file extension. Every job's audio is stored
 * as WAV; other formats are encoded from it (or from its PCM while it streams).
 */
export const AUDIO_FORMATS = {
  /** RIFF/WAVE, 16-bit PCM, mono, the voice's sample rate. */
  wav: { contentType: "audio/wav", extension: "wav" },
  /** Raw 16-bit signed little-endian PCM, mono, the voice's sample rate, no header (as OpenAI documents `pcm`). */
  pcm: { contentType: "audio/pcm", extension: "pcm" },
  mp3: { contentType: "audio/mpeg", extension: "mp3" },
  /** Opus in Ogg (RFC 7845): 48 kHz when decoded, as every Opus stream. */
  opus: { contentType: "audio/ogg; codecs=opus", extension: "opus" },
  flac: { contentType: "audio/flac", extension: "flac" },
  /** AAC-LC in ADTS frames (what `.aac` files are). */
  aac: { contentType: "audio/aac", extension: "aac" },
} as const;

/** One of {@link AUDIO_FORMATS}. */
export type AudioFormat = keyof typeof AUDIO_FORMATS;

/** Every format name, in the order of {@link AUDIO_FORMATS}. */
export const AUDIO_FORMAT_NAMES = Object.keys(AUDIO_FORMATS) as AudioFormat[];

/** The formats that can be sent while the job is still synthesizing (chunked bytes). */
export const STREAMABLE_FORMATS = ["pcm", "mp3", "opus", "aac"] as const satisfies readonly AudioFormat[];

/** True when `name` is one of {@link AUDIO_FORMATS}. */
export function isAudioFormat(name: string): name is AudioFormat {
  return Object.hasOwn(AUDIO_FORMATS, name);
}
