import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { PassThrough, type Readable, type Writable } from "node:stream";
import type { AudioFormat } from "@voxqueue/contracts";
import { EncodeError, FFMPEG_FORMATS, assertEncoder, needsFfmpeg, pcmInputArgs, stderrTail } from "./ffmpeg.js";

/**
 * Encodes PCM while it arrives: write s16le mono PCM pieces, read the encoded bytes
 * from `output` as the encoder produces them (an MP3 frame, an Ogg page of 20 ms, ...).
 */
export interface StreamEncoder {
  /** Encoded bytes, in order; ends after {@link end} once the encoder has flushed; errors if it fails. */
  readonly output: AsyncIterable<Buffer>;
  /** Feeds PCM (s16le mono); resolves when the encoder can take more. */
  write(pcm: Buffer): Promise<void>;
  /** No more PCM: the encoder flushes its tail (Opus/MP3 end frames) and `output` ends. */
  end(): void;
  /** Stops at once (the client went away); `output` ends. */
  abort(): void;
}

/** The formats {@link createStreamEncoder} takes: raw PCM and formats whose stream needs no header rewrite. */
export type StreamFormat = "pcm" | "mp3" | "opus" | "aac";

/**
 * A {@link StreamEncoder} for `format` at `sampleRate`: `pcm` passes bytes through;
 * `mp3`, `opus` (Ogg) and `aac` (ADTS) run Debian's ffmpeg as a child process, flushing
 * each packet as soon as it is encoded.
 * @throws EncoderUnavailableError when this host lacks ffmpeg or its encoder
 */
export async function createStreamEncoder(format: StreamFormat, sampleRate: number, opts: { ffmpegPath?: string } = {}): Promise<StreamEncoder> {
  if (format === "pcm") return passThroughEncoder();
  const ffmpegPath = opts.ffmpegPath ?? "ffmpeg";
  await assertEncoder(format as AudioFormat, ffmpegPath);
  if (!needsFfmpeg(format)) throw new RangeError(`no stream encoder for ${format}`);
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    ffmpegPath,
    [...pcmInputArgs(sampleRate), ...FFMPEG_FORMATS[format].args, "-flush_packets", "1", "pipe:1"],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const stderr = stderrTail(child.stderr);
  const output = new PassThrough();
  let aborted = false;
  child.stdout.pipe(output, { end: false });
  child.stdin.on("error", () => undefined); // EPIPE after an abort or a failure: the exit says why
  child.on("error", (err) => output.destroy(new EncodeError(`ffmpeg did not start: ${err.message}`)));
  child.on("close", (code, signal) => {
    if (code === 0 || aborted) output.end();
    else output.destroy(new EncodeError(`ffmpeg failed (${signal ?? `exit ${code}`}): ${stderr() || "no message"}`));
  });
  return {
    output,
    async write(pcm) {
      if (aborted || child.stdin.writableEnded) return;
      if (!child.stdin.write(pcm)) await Promise.race([once(child.stdin, "drain"), once(child, "close")]);
    },
    end() {
      if (!child.stdin.writableEnded) child.stdin.end();
    },
    abort() {
      aborted = true;
      child.kill("SIGKILL");
    },
  };
}

function passThroughEncoder(): StreamEncoder {
  const output = new PassThrough();
  return {
    output,
    async write(pcm) {
      if (!output.writableEnded && !output.write(pcm)) await once(output, "drain");
    },
    end: () => void output.end(),
    abort: () => void output.end(),
  };
}
