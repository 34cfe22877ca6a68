import { once } from "node:events";
import type { Response } from "express";
import { AUDIO_FORMATS, VoxqueueError, type AudioFormat, type JobView, type SpeechAudioDeltaEvent, type SpeechAudioDoneEvent } from "@voxqueue/contracts";
import { createStreamEncoder, encodeAudio, type StreamEncoder, type StreamFormat } from "@voxqueue/synth/encode";
import { readAudioStream } from "./audio-stream-reader.js";
import { redisStep } from "./errors.js";
import type { AppDeps } from "./types.js";

/** How a streamed answer is framed: the format's bytes as they come, or OpenAI's server-sent events. */
export type StreamFraming = "audio" | "sse";

/** What {@link streamJobAudio} needs about the request. */
export interface StreamRequest {
  jobId: string;
  format: AudioFormat;
  framing: StreamFraming;
  /** Route label of `tts_time_to_first_audio_seconds`. */
  route: string;
  /** When the request arrived (`performance.now()` ms): time to first audio counts from here. */
  startedMs: number;
  /** The job's current view (for the checks between reads). */
  readView: () => Promise<JobView>;
  /** Past this (`performance.now()` ms) a job that has sent no audio is answered 504; one that has is cut. */
  deadlineMs: number;
  /** Input characters, reported in `speech.audio.done`'s usage. */
  inputChars?: number;
}

/** The formats whose bytes can leave before the job ends. */
export function isStreamable(format: AudioFormat): format is StreamFormat {
  return format === "pcm" || format === "mp3" || format === "opus" || format === "aac";
}

/**
 * Writes a job's audio to `res` as the worker synthesizes it: each chunk from the job's
 * Redis stream is encoded (pcm as is; mp3, opus, aac by a streaming ffmpeg) and sent at
 * once, as chunked bytes or as OpenAI's `speech.audio.delta` events (base64) ending with
 * `speech.audio.done`. Formats that cannot stream (wav, flac) are sent whole once the
 * job completes. A job whose stream is gone (it ended before, or its stream expired) is
 * answered from the stored audio. Nothing is written before the first audio, so an early
 * failure is still a JSON error; after it, a failure ends SSE with an `error` event and
 * cuts a byte stream. A client that leaves stops only this response: the job goes on.
 * @throws VoxqueueError before anything is written (the job failed, its audio expired)
 */
export async function streamJobAudio(
  deps: Pick<AppDeps, "redis" | "audioStore" | "metrics" | "config" | "logger">,
  req: StreamRequest,
  res: Response,
): Promise<void> {
  let closed = false;
  res.once("close", () => (closed = true));
  const out = new ResponseWriter(deps, req, res);
  if (!isStreamable(req.format)) return sendWhole(deps, req, out);

  let encoder: StreamEncoder | null = null;
  let pumping: Promise<void> = Promise.resolve();
  const stream = readAudioStream(deps.redis, req.jobId, {
    open: () => !closed && performance.now() < req.deadlineMs,
    idle: async () => {
      const view = await req.readView();
      if (view.status === "failed") throw failureOf(view);
      return view.status === "completed" ? "ended" : "wait";
    },
  });
  try {
    let result: IteratorResult<Awaited<ReturnType<typeof stream.next>>["value"]>;
    while (!(result = await stream.next()).done) {
      const chunk = result.value as Exclude<typeof result.value, string>;
      if (!encoder) {
        encoder = await createStreamEncoder(req.format, chunk.sampleRate, { ffmpegPath: deps.config.FFMPEG_PATH });
        const output = encoder.output;
        pumping = (async () => {
          for await (const bytes of output) await out.audio(bytes);
        })();
      }
      if (chunk.silenceBefore > 0) await encoder.write(Buffer.alloc(chunk.silenceBefore * 2));
      await encoder.write(chunk.pcm);
    }
    if (closed) {
      encoder?.abort();
      return;
    }
    if (performance.now() >= req.deadlineMs) throw timedOut(req);
    if (!encoder) return sendWhole(deps, req, out); // the stream was gone: the stored audio
    encoder.end();
    await pumping;
    out.done();
  } catch (err) {
    encoder?.abort();
    await pumping.catch(() => undefined);
    if (!out.started) throw err;
    out.fail(err);
  }
}

/** The job went on past the request's wait: a 504 while nothing was sent. */
function timedOut(req: StreamRequest): VoxqueueError {
  return new VoxqueueError("timeout", `job ${req.jobId} did not finish in time; it goes on: GET /v1/jobs/${req.jobId}/audio`);
}

/** The job's own error, as the API answers it. */
function failureOf(view: JobView): VoxqueueError {
  const error = view.error ?? { type: "internal" as const, message: "synthesis failed" };
  return new VoxqueueError(error.type, `job ${view.id} failed: ${error.message}`, error.type === "invalid_input" ? "input" : undefined);
}

/**
 * Writes a job's whole stored audio to `res` in the request's framing (bytes, or one
 * `speech.audio.delta` and `speech.audio.done`) once the job has completed: for a job that
 * has no stream to read, such as one answered from the audio cache.
 * @throws VoxqueueError before anything is written (the job failed, its audio expired, the wait ran out)
 */
export function sendWholeAudio(
  deps: Pick<AppDeps, "redis" | "audioStore" | "metrics" | "config" | "logger">,
  req: StreamRequest,
  res: Response,
): Promise<void> {
  return sendWhole(deps, req, new ResponseWriter(deps, req, res));
}

/** The whole stored audio in one piece (a format that cannot stream, or a stream already gone). */
async function sendWhole(deps: Pick<AppDeps, "redis" | "audioStore" | "config" | "logger">, req: StreamRequest, out: ResponseWriter): Promise<void> {
  // A format that cannot stream waits for the job's end here, checking as the stream reader does.
  for (;;) {
    const view = await req.readView();
    if (view.status === "failed") throw failureOf(view);
    if (view.status === "completed") break;
    if (out.closed) return;
    if (performance.now() >= req.deadlineMs) throw timedOut(req);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const wav = await redisStep("read audio", () => deps.audioStore.get(req.jobId));
  if (!wav) throw new VoxqueueError("expired", `the audio of job ${req.jobId} has expired`);
  await out.audio(await encodeAudio(wav, req.format, { ffmpegPath: deps.config.FFMPEG_PATH }));
  out.done();
}

/** Writes audio to the response in the request's framing; headers go out with the first audio. */
class ResponseWriter {
  started = false;
  constructor(
    private readonly deps: Pick<AppDeps, "metrics" | "logger">,
    private readonly req: StreamRequest,
    private readonly res: Response,
  ) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  async audio(bytes: Buffer): Promise<void> {
    if (this.closed || bytes.length === 0) return;
    if (!this.started) {
      this.started = true;
      this.deps.metrics.timeToFirstAudio.observe({ route: this.req.route, format: this.req.format }, (performance.now() - this.req.startedMs) / 1000);
      this.res.status(200);
      if (this.req.framing === "sse")
        this.res.set({ "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" });
      else this.res.set({ "Content-Type": AUDIO_FORMATS[this.req.format].contentType, "Cache-Control": "no-cache", "X-Accel-Buffering": "no" });
      this.res.flushHeaders();
    }
    const ok =
      this.req.framing === "sse"
        ? this.res.write(`data: ${JSON.stringify({ type: "speech.audio.delta", audio: bytes.toString("base64") } satisfies SpeechAudioDeltaEvent)}\n\n`)
        : this.res.write(bytes);
    if (!ok) await Promise.race([once(this.res, "drain"), once(this.res, "close")]);
  }

  done(): void {
    if (this.closed) return;
    if (this.req.framing === "sse") {
      const chars = this.req.inputChars ?? 0;
      // Piper voices count no tokens: input characters stand in, output is not counted.
      const done: SpeechAudioDoneEvent = { type: "speech.audio.done", usage: { input_tokens: chars, output_tokens: 0, total_tokens: chars } };
      this.res.write(`data: ${JSON.stringify(done)}\n\n`);
    }
    this.res.end();
  }

  /** A failure after the first audio: an `error` event (SSE), or a cut connection (bytes: the client sees a truncated body). */
  fail(err: unknown): void {
    this.deps.logger.warn({ job_id: this.req.jobId, err: (err as Error).message }, "audio stream failed after its first bytes");
    if (this.closed) return;
    if (this.req.framing === "sse") {
      const e = err instanceof VoxqueueError ? err : new VoxqueueError("internal", "internal error");
      this.res.end(`data: ${JSON.stringify({ type: "error", error: { message: e.message, type: "server_error", param: null, code: e.type } })}\n\n`);
    } else {
      this.res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
