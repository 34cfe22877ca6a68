import type { Redis } from "ioredis";
import { duplicateRedis } from "@voxqueue/runtime";
import { VoxqueueError, audioStreamKey, decodeJobFailure } from "@voxqueue/contracts";

/** One chunk of a job's audio from its Redis stream: s16le mono PCM after `silenceBefore` samples of silence. */
export interface StreamedChunk {
  seq: number;
  sampleRate: number;
  silenceBefore: number;
  pcm: Buffer;
}

/** How long one blocking read waits before the reader checks `stillWaiting`, ms. */
const BLOCK_MS = 1_000;

/** What {@link readAudioStream} checks between blocking reads. */
export interface StreamWatch {
  /** False once the reader should stop (the client left, the wait is over). */
  open(): boolean;
  /**
   * Called when a blocking read returned nothing: resolves "ended" when the job has
   * ended without a stream end (its stream expired or was never written), else "wait".
   */
  idle(): Promise<"wait" | "ended">;
}

/**
 * The chunks of job `jobId`'s audio as the worker publishes them to its Redis stream
 * (`audioStreamKey`), from the first, in order, until the stream's end. Reads on a
 * connection of its own (blocking reads hold a connection). A retried attempt
 * publishes from its first chunk again: chunks already yielded are skipped, so the
 * caller gets each sentence once (from the attempt that got to it first).
 * Returns early (no throw) when `watch` says the client left or the job ended without a stream.
 * @throws VoxqueueError with the job's failure when its last attempt failed
 */
export async function* readAudioStream(redis: Redis, jobId: string, watch: StreamWatch): AsyncGenerator<StreamedChunk, "end" | "gone"> {
  const key = audioStreamKey(jobId);
  const reader = duplicateRedis(redis, { enableOfflineQueue: true, lazyConnect: false });
  reader.on("error", () => undefined); // reads fail and end the stream; the API's own client logs outages
  let next = 0;
  let lastId = "0-0";
  try {
    while (watch.open()) {
      const reply = (await reader.xreadBuffer("COUNT", 64, "BLOCK", BLOCK_MS, "STREAMS", key, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
      if (!reply) {
        if ((await watch.idle()) === "ended") return "gone";
        continue;
      }
      for (const [id, raw] of reply[0]![1]) {
        lastId = id.toString();
        const fields = new Map<string, Buffer>();
        for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!.toString(), raw[i + 1]!);
        const type = fields.get("type")?.toString();
        if (type === "end") return "end";
        if (type === "error") {
          if (fields.get("final")?.toString() !== "1") continue; // another attempt follows
          const failure = decodeJobFailure(fields.get("error")?.toString());
          throw new VoxqueueError(failure.type, `job ${jobId} failed: ${failure.message}`);
        }
        if (type !== "chunk") continue;
        const seq = Number(fields.get("seq"));
        if (seq < next) continue; // a retry's chunk already sent
        if (seq > next)
          throw new VoxqueueError("internal", `the audio stream of job ${jobId} lost chunks ${next}..${seq - 1} (trimmed); fetch GET /v1/jobs/${jobId}/audio`);
        next = seq + 1;
        yield { seq, sampleRate: Number(fields.get("rate")), silenceBefore: Number(fields.get("silence")), pcm: fields.get("pcm")! };
      }
    }
    return "gone";
  } finally {
    reader.disconnect();
  }
}
