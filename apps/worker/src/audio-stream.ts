import type { Redis } from "ioredis";
import { AUDIO_STREAM_MAX_ENTRIES, AUDIO_STREAM_TTL_SECONDS, audioStreamKey } from "@voxqueue/contracts";
import type { AudioChunk } from "@voxqueue/synth";
import type { Logger } from "@voxqueue/telemetry";

/**
 * Publishes a job's audio chunk by chunk to its Redis stream ({@link audioStreamKey}),
 * so that an API on any host streams it while the job runs. The stream is bounded
 * (MAXLEN ~ {@link AUDIO_STREAM_MAX_ENTRIES}) and expires: `activeTtlSeconds` while the
 * job runs, {@link AUDIO_STREAM_TTL_SECONDS} after its end. A failed publish is logged
 * once per job and never fails the job: streaming is a convenience, the stored audio is the result.
 */
export class AudioStreamPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    /** Expiry while the job runs, seconds (the job's time limit and a margin). */
    private readonly activeTtlSeconds: number,
  ) {}

  /** One publisher per job attempt. */
  forJob(jobId: string, attempt: number): JobAudioStream {
    const key = audioStreamKey(jobId);
    let warned = false;
    const add = async (ttl: number, fields: (string | Buffer)[]) => {
      try {
        await this.redis
          .multi()
          .xadd(key, "MAXLEN", "~", AUDIO_STREAM_MAX_ENTRIES, "*", ...fields)
          .expire(key, ttl)
          .exec();
      } catch (err) {
        if (!warned)
          this.logger.warn(
            { job_id: jobId, err: (err as Error).message },
            "could not publish audio to the job's stream; streaming clients wait for the stored audio",
          );
        warned = true;
      }
    };
    return {
      chunk: (c, sampleRate) =>
        add(this.activeTtlSeconds, [
          "type",
          "chunk",
          "seq",
          String(c.index),
          "attempt",
          String(attempt),
          "rate",
          String(sampleRate),
          "silence",
          String(c.silenceBefore),
          "pcm",
          Buffer.from(c.pcm.buffer, c.pcm.byteOffset, c.pcm.byteLength),
        ]),
      end: () => add(AUDIO_STREAM_TTL_SECONDS, ["type", "end", "attempt", String(attempt)]),
      error: (message, final) =>
        add(final ? AUDIO_STREAM_TTL_SECONDS : this.activeTtlSeconds, [
          "type",
          "error",
          "attempt",
          String(attempt),
          "error",
          message,
          "final",
          final ? "1" : "0",
        ]),
    };
  }
}

/** The stream of one job attempt; every method resolves (errors are logged, not thrown). */
export interface JobAudioStream {
  chunk(chunk: AudioChunk, sampleRate: number): Promise<void>;
  end(): Promise<void>;
  /** The attempt failed with `message` ("<type>: ..."); `final` when no attempt follows. */
  error(message: string, final: boolean): Promise<void>;
}
