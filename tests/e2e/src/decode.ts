import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What ffprobe and ffmpeg make of an audio file: codec, channels, sample rate, decoded seconds. */
export interface Decoded {
  codec: string;
  channels: number;
  sampleRate: number;
  /** Seconds of every decoded sample (ffmpeg -xerror: a damaged stream fails instead). */
  seconds: number;
}

let dir: Promise<string> | null = null;

/**
 * Decodes `bytes` with the real decoders: ffprobe for the stream's codec, channels and
 * rate, ffmpeg for every sample. `pcmRate` describes headerless s16le mono input.
 * @throws when ffmpeg cannot decode it
 */
export async function decodeAudio(bytes: Uint8Array, pcmRate?: number): Promise<Decoded> {
  const folder = await (dir ??= mkdtemp(join(tmpdir(), "vq-e2e-decode-")));
  const file = join(folder, Math.random().toString(36).slice(2));
  await writeFile(file, bytes);
  const input = pcmRate ? ["-f", "s16le", "-ar", String(pcmRate), "-ac", "1"] : [];
  const probe = await run("ffprobe", ["-v", "error", ...input, "-show_entries", "stream=codec_name,channels,sample_rate", "-of", "json", file]);
  const stream = (JSON.parse(probe.stdout) as { streams: { codec_name: string; channels: number; sample_rate: string }[] }).streams[0]!;
  const pcm = await run("ffmpeg", ["-v", "error", "-xerror", ...input, "-i", file, "-f", "s16le", "-ac", "1", "-"], { encoding: "buffer", maxBuffer: 1 << 28 });
  const sampleRate = Number(stream.sample_rate);
  return { codec: stream.codec_name, channels: stream.channels, sampleRate, seconds: pcm.stdout.length / 2 / sampleRate };
}
