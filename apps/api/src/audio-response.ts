import type { Request, Response } from "express";
import { once } from "node:events";
import type { AudioStore } from "@voxqueue/audio-store";
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
  res.set({
    "Content-Type": contentType,
    "Content-Length": String(bytes.length),
    "Content-Disposition": `inline; filename="${id}.${extension}"`,
    Vary: "Accept",
  });
  res.end(bytes);
}

/** Bytes of a stored WAV whose header is `head` (RIFF size + 8); null when the header does not say (over 4 GiB, or not a RIFF header). */
function wavBytesFromHeader(head: Buffer): number | null {
  if (head.length < 8 || head.toString("ascii", 0, 4) !== "RIFF") return null;
  const riff = head.readUInt32LE(4);
  return riff === 0xffff_ffff ? null : riff + 8;
}

/**
 * Sends job `id`'s stored WAV as it is read from Redis, a batch of pieces at a time (a
 * long-form job's audio is never one buffer here), with its length from the WAV header.
 * Returns false, having sent nothing, when no audio is stored; a Redis failure after the
 * first bytes cuts the response.
 * @param firstRead runs the first read (before anything is sent: a time limit and an error
 *   that becomes the answer go there)
 * @throws what `firstRead` throws
 */
export async function sendStoredWav(res: Response, store: AudioStore, id: string, firstRead: <T>(read: () => Promise<T>) => Promise<T>): Promise<boolean> {
  const batches = store.pieceBatches(id);
  const first = await firstRead(() => batches.next());
  if (first.done) return false;
  const { contentType, extension } = AUDIO_FORMATS.wav;
  const bytes = wavBytesFromHeader(first.value[0]!);
  res.set({
    "Content-Type": contentType,
    "Content-Disposition": `inline; filename="${id}.${extension}"`,
    Vary: "Accept",
    ...(bytes !== null ? { "Content-Length": String(bytes) } : {}),
  });
  try {
    for (let batch: Buffer[] | undefined = first.value; batch;) {
      // A client that stops reading holds one batch here; one that leaves ends the loop.
      for (const piece of batch) if (!res.write(piece)) await Promise.race([once(res, "drain"), once(res, "close")]);
      if (res.destroyed) return true;
      const next = await batches.next();
      batch = next.done ? undefined : next.value;
    }
    res.end();
  } catch {
    res.destroy();
  }
  return true;
}
