import { spawn } from "node:child_process";
import type { AudioFormat } from "@voxqueue/contracts";

/** The formats ffmpeg encodes (wav and pcm are written in process), with their ffmpeg encoder and muxer. */
export const FFMPEG_FORMATS = {
  mp3: { encoder: "libmp3lame", args: ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"] },
  // Opus takes 48/24/16/12/8 kHz: ffmpeg resamples other rates to 48 kHz on its own.
  opus: { encoder: "libopus", args: ["-c:a", "libopus", "-b:a", "32k", "-page_duration", "20000", "-f", "ogg"] },
  flac: { encoder: "flac", args: ["-c:a", "flac", "-f", "flac"] },
  aac: { encoder: "aac", args: ["-c:a", "aac", "-b:a", "64k", "-f", "adts"] },
} as const satisfies Partial<Record<AudioFormat, { encoder: string; args: readonly string[] }>>;

/**
 * Samples of silence an AAC decoder plays before the audio: the encoder's priming (1024,
 * one frame), which ADTS (unlike MP4, or MP3's LAME header and Ogg Opus's pre-skip) has
 * no field to signal. Decoded `aac` is this much (plus < 1 frame of end padding) longer.
 */
export const AAC_PRIMING_SAMPLES = 1024;

/** A format that ffmpeg encodes. */
export type FfmpegFormat = keyof typeof FFMPEG_FORMATS;

/** True when `format` is encoded by ffmpeg (not in process). */
export function needsFfmpeg(format: AudioFormat): format is FfmpegFormat {
  return Object.hasOwn(FFMPEG_FORMATS, format);
}

/** What to install when ffmpeg, or one of its encoders, is missing. */
export const FFMPEG_INSTALL_HINT = "install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg) or set FFMPEG_PATH to an ffmpeg binary";

/**
 * The host cannot encode `format`: ffmpeg is missing, or lacks the format's encoder.
 * The API answers it as a 400 naming the format field, never a 500.
 */
export class EncoderUnavailableError extends Error {
  override readonly name = "EncoderUnavailableError";
  constructor(
    readonly format: AudioFormat,
    message: string,
  ) {
    super(message);
  }
}

/** ffmpeg itself failed (bad input, killed, exit code not 0); `stderr` is its last lines. */
export class EncodeError extends Error {
  override readonly name = "EncodeError";
}

const encoderLists = new Map<string, Promise<ReadonlySet<string> | null>>();

/** ffmpeg's encoder names (`ffmpeg -encoders`), or null when `ffmpegPath` does not run; read once per path. */
export function ffmpegEncoders(ffmpegPath: string): Promise<ReadonlySet<string> | null> {
  let list = encoderLists.get(ffmpegPath);
  if (!list) {
    list = new Promise((resolve) => {
      const child = spawn(ffmpegPath, ["-hide_banner", "-encoders"], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("error", () => resolve(null));
      child.on("close", (code) => {
        if (code !== 0) return resolve(null);
        // Lines look like ` A....D libmp3lame           libmp3lame MP3 (MPEG audio layer 3)`.
        resolve(new Set([...out.matchAll(/^ [A-Z.]{6} (\S+)/gm)].map((m) => m[1]!)));
      });
    });
    encoderLists.set(ffmpegPath, list);
  }
  return list;
}

/**
 * Resolves when this host can encode `format` with `ffmpegPath`.
 * @throws EncoderUnavailableError saying what is missing and what to install
 */
export async function assertEncoder(format: AudioFormat, ffmpegPath: string): Promise<void> {
  if (!needsFfmpeg(format)) return;
  const encoders = await ffmpegEncoders(ffmpegPath);
  const { encoder } = FFMPEG_FORMATS[format];
  if (!encoders) throw new EncoderUnavailableError(format, `${format} needs ffmpeg, which does not run on this host (${ffmpegPath}): ${FFMPEG_INSTALL_HINT}`);
  if (!encoders.has(encoder)) {
    throw new EncoderUnavailableError(
      format,
      `${format} needs ffmpeg's ${encoder} encoder, which ${ffmpegPath} lacks: ${FFMPEG_INSTALL_HINT} (Debian's has every encoder voxqueue uses)`,
    );
  }
}

/** Arguments of an ffmpeg run reading raw s16le mono PCM at `sampleRate` on stdin. */
export function pcmInputArgs(sampleRate: number): string[] {
  return ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "s16le", "-ar", String(sampleRate), "-ac", "1", "-i", "pipe:0"];
}

/** Keeps the last `max` characters of what a child writes on stderr (for error messages). */
export function stderrTail(stream: NodeJS.ReadableStream, max = 2000): () => string {
  let tail = "";
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => (tail = (tail + d).slice(-max)));
  return () => tail.trim();
}
