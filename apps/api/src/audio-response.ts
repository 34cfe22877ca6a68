import type { Request, Response } from "express";
import { AUDIO_FORMATS, AUDIO_FORMAT_NAMES, VoxqueueError, isAudioFormat, type AudioFormat } from "@voxqueue/contracts";
import { EncoderUnavailableError, assertEncoder, encodeAudio } from "@voxqueue/synth/encode";

/** The format `format` names, or a 400 naming `field` that lists the formats. */
export function parseAudioFormat(format: unknown, field: string): AudioFormat {
  if (typeof format === "string" && isAudioFormat(format)) return format;
  throw new VoxqueueError("invalid_input", `${field} must be one of ${AUDIO_FORMAT_NAMES.join(", ")}`, field);
}

/**
 * The format a `GET .../audio` asks for: `?format=` when given (a 400 naming `format`
 * when it is not one of ours), else the first of ours that `Accept` takes (`audio/mpeg`,
 * `audio/ogg`, `audio/*`, ...), else WAV (an `Accept` we cannot meet is ignored, as RFC
 * 9110 allows).
 */
export function requestedFormat(req: Request): AudioFormat {
  if (req.query.format !== undefined) return parseAudioFormat(req.query.format, "format");
  if (!req.headers.accept) return "wav";
  // Bare media types: `audio/ogg; codecs=opus` must match `Accept: audio/ogg`.
  const types = AUDIO_FORMAT_NAMES.map((f) => AUDIO_FORMATS[f].contentType.split(";")[0]!);
  const accepted = req.accepts(types);
  return accepted ? AUDIO_FORMAT_NAMES[types.indexOf(accepted)]! : "wav";
}

/**
 * Resolves when this host can encode `format`; else a 400 naming `field` that says what
 * to install (checked before anything is looked up or queued).
 */
export async function assertCanEncode(format: AudioFormat, field: string, ffmpegPath: string): Promise<void> {
  await assertEncoder(format, ffmpegPath).catch((err: unknown) => {
    throw err instanceof EncoderUnavailableError ? new VoxqueueError("invalid_input", `${field} ${err.message}`, field) : err;
  });
}

/**
 * `wav` in `format`, or a 400 naming `field` when this host cannot encode it (no ffmpeg,
 * or no encoder for it: the message says what to install), never a 500.
 */
export async function encodeForResponse(wav: Buffer, format: AudioFormat, field: string, ffmpegPath: string): Promise<Buffer> {
  try {
    return await encodeAudio(wav, format, { ffmpegPath });
  } catch (err) {
    if (err instanceof EncoderUnavailableError) throw new VoxqueueError("invalid_input", `${field} ${err.message}`, field);
    throw err;
  }
}

/** Sends `bytes` of `format` for job `id`, as a file the browser may play inline. */
export function sendAudio(res: Response, bytes: Buffer, format: AudioFormat, id: string): void {
  const { contentType, extension } = AUDIO_FORMATS[format];
  res.set({ "Content-Type": contentType, "Content-Length": String(bytes.length), "Content-Disposition": `inline; filename="${id}.${extension}"`, Vary: "Accept" });
  res.end(bytes);
}
