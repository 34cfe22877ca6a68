import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AudioFormat } from "@voxqueue/contracts";
import { WAV_HEADER_BYTES } from "../audio.js";
import { EncodeError, FFMPEG_FORMATS, assertEncoder, needsFfmpeg, pcmInputArgs, stderrTail } from "./ffmpeg.js";

/** Options of {@link encodeAudio}. */
export interface EncodeOptions {
  /** The ffmpeg binary. @defaultValue "ffmpeg" */
  ffmpegPath?: string;
  /** ffmpeg is killed past this, ms. @defaultValue 60_000 */
  timeoutMs?: number;
}

/** Reads the sample rate and the PCM of a canonical 44-byte-header WAV (as voxqueue writes). @throws RangeError for another layout */
export function readWav(wav: Buffer): { sampleRate: number; pcm: Buffer } {
  if (
    wav.length < WAV_HEADER_BYTES ||
    wav.toString("ascii", 0, 4) !== "RIFF" ||
    wav.toString("ascii", 36, 40) !== "data" ||
    wav.readUInt16LE(34) !== 16 ||
    wav.readUInt16LE(22) !== 1
  ) {
    throw new RangeError("not a canonical mono 16-bit PCM WAV");
  }
  return { sampleRate: wav.readUInt32LE(24), pcm: wav.subarray(WAV_HEADER_BYTES) };
}

/**
 * A finished job's WAV in `format`: wav as is, pcm without its header, the others by
 * Debian's ffmpeg as a child process writing to a temporary file, so that each file
 * gets its complete header (MP3's Xing/LAME frame with encoder delay and padding, FLAC's
 * total samples) and decodes to the WAV's duration.
 * @throws EncoderUnavailableError when this host lacks ffmpeg or its encoder; EncodeError when ffmpeg fails
 */
export async function encodeAudio(wav: Buffer, format: AudioFormat, opts: EncodeOptions = {}): Promise<Buffer> {
  if (format === "wav") return wav;
  const { sampleRate, pcm } = readWav(wav);
  if (format === "pcm") return pcm;
  if (!needsFfmpeg(format)) throw new RangeError(`no encoder for ${format}`);
  const ffmpegPath = opts.ffmpegPath ?? "ffmpeg";
  await assertEncoder(format, ffmpegPath);
  const dir = await mkdtemp(join(tmpdir(), "voxqueue-encode-"));
  const out = join(dir, `audio.${format}`);
  try {
    await runFfmpeg(ffmpegPath, [...pcmInputArgs(sampleRate), ...FFMPEG_FORMATS[format].args, "-y", out], pcm, opts.timeoutMs ?? 60_000);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs ffmpeg with `input` on stdin; resolves when it exits 0. */
function runFfmpeg(ffmpegPath: string, args: string[], input: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ["pipe", "ignore", "pipe"] });
    const stderr = stderrTail(child.stderr);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new EncodeError(`ffmpeg did not start: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new EncodeError(`ffmpeg failed (${signal ?? `exit ${code}`}): ${stderr() || "no message"}`));
    });
    // EPIPE when ffmpeg exits early: its exit code says why.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}
