import type { ErrorBody, JobAccepted, JobView } from "@voxqueue/contracts";

/** Options of a synthesis request, as `POST /v1/jobs` takes them. */
export interface SubmitOptions {
  text: string;
  voice?: string;
  speaker?: string | number;
  length_scale?: number;
  noise_scale?: number;
  noise_w?: number;
  priority?: number;
}

/** An error answer from the API (`{error: {type, message, field?}}`) or a transport failure. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly type?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function asApiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as ErrorBody | null;
  const e = body?.error;
  return new ApiError(e ? `${e.type}${e.field ? ` (${e.field})` : ""}: ${e.message}` : `HTTP ${res.status}`, res.status, e?.type, e?.field);
}

/** A small client of the voxqueue HTTP API (fetch-based). */
export class VoxqueueClient {
  /** @param apiKey sent as `Authorization: Bearer <key>` when given (an API with `API_KEYS_FILE` needs it) */
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  private url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.apiKey ? { ...extra, authorization: `Bearer ${this.apiKey}` } : extra;
  }

  /** `POST /v1/jobs`. @throws ApiError on a non-202 answer */
  async submit(opts: SubmitOptions): Promise<JobAccepted> {
    const res = await fetch(this.url("/v1/jobs"), {
      method: "POST",
      headers: this.headers({ "content-type": "application/json" }),
      body: JSON.stringify(opts),
    });
    if (res.status !== 202) throw await asApiError(res);
    return (await res.json()) as JobAccepted;
  }

  /** `GET /v1/voices` as the API answers it. @throws ApiError */
  async voices(): Promise<unknown> {
    const res = await fetch(this.url("/v1/voices"), { headers: this.headers() });
    if (!res.ok) throw await asApiError(res);
    return res.json();
  }

  /** `GET /v1/jobs/:id`. @throws ApiError */
  async job(id: string): Promise<JobView> {
    const res = await fetch(this.url(`/v1/jobs/${encodeURIComponent(id)}`), { headers: this.headers() });
    if (!res.ok) throw await asApiError(res);
    return (await res.json()) as JobView;
  }

  /**
   * Polls a job until it completes or fails, calling `onUpdate` after each poll.
   * @param intervalMs delay between polls
   * @param timeoutMs give up after this long
   * @throws ApiError when the job failed (type from the job's error) or on timeout
   */
  async waitForJob(id: string, opts: { intervalMs?: number; timeoutMs?: number; onUpdate?: (job: JobView, elapsedMs: number) => void } = {}): Promise<JobView> {
    const start = Date.now();
    for (;;) {
      const job = await this.job(id);
      opts.onUpdate?.(job, Date.now() - start);
      if (job.status === "completed") return job;
      if (job.status === "failed") throw new ApiError(`job failed: ${job.error?.type ?? "internal"}: ${job.error?.message ?? "unknown"}`, 0, job.error?.type);
      if (Date.now() - start > (opts.timeoutMs ?? 600_000)) throw new ApiError(`gave up waiting for job ${id} (status ${job.status})`, 0, "timeout");
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
    }
  }

  /** `GET /v1/jobs/:id/audio` → WAV bytes. @throws ApiError (404, 409 not ready, 410 expired or job_failed) */
  async audio(id: string): Promise<Buffer> {
    const res = await fetch(this.url(`/v1/jobs/${encodeURIComponent(id)}/audio`), { headers: this.headers() });
    if (!res.ok) throw await asApiError(res);
    return Buffer.from(await res.arrayBuffer());
  }
}
