import type { BenchStack } from "./bench-stack.js";

/** Worker RSS (measure 8), bytes; one worker process with the voice under test loaded. */
export interface MemoryResult {
  voice: string;
  /** After start: voices loaded and warmed up, no job yet. */
  idle_bytes: number;
  /** Highest value sampled while the end-to-end rounds ran. */
  under_load_bytes: number;
  /** Jobs run before the last reading. */
  jobs: number;
  /** After `jobs` more jobs (corpus sentences in turn), the worker idle again. */
  after_jobs_bytes: number;
  /** after_jobs / under_load: near or below 1 means bounded. */
  after_over_load: number;
}

/** Samples the workers' RSS (their `/metrics`) every 250 ms until stopped; the highest seen. */
export function rssPeak(stack: BenchStack): () => Promise<number> {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, ...(await stack.workerRss().catch(() => [0])));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return peak;
  };
}

/** Runs `jobs` one-sentence jobs, `inFlight` at a time, cycling through `texts`. */
export async function churn(
  stack: BenchStack,
  texts: readonly string[],
  body: Record<string, unknown>,
  jobs: number,
  inFlight: number,
  log: (line: string) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < jobs) {
      const text = texts[next++ % texts.length]!;
      await stack.finished(await stack.submit({ ...body, text }));
      if (++done % 100 === 0) log(`memory: ${done}/${jobs} jobs`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}
