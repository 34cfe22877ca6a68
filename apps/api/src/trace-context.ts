import type { SynthJobData } from "@voxqueue/contracts";
import { inProducerSpan, type Tracer } from "@voxqueue/telemetry";

/**
 * Enqueues one job inside the PRODUCER span `send <queue>` (a child of the request's
 * span): `enqueue` gets the job's data with `trace` replaced by this span's W3C trace
 * context (`{}` when tracing is off), which the worker's consumer span continues.
 * BullMQ keeps the data as written across retries, so every attempt shares the parent.
 */
export function sendJob<T>(
  tracer: Tracer,
  job: { queue: string; id: string; data: Omit<SynthJobData, "trace"> },
  enqueue: (data: SynthJobData) => Promise<T>,
): Promise<T> {
  return inProducerSpan(tracer, job.queue, job.id, (trace) => enqueue({ ...job.data, trace }));
}
