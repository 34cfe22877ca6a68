import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobAccepted, JobView } from "@voxqueue/contracts";
import { redisDbUrl, startStack, type TestStack } from "../src/index.js";

// Logical database 15 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(15);
const CACHE = { AUDIO_CACHE_MAX_BYTES: "16777216", AUDIO_CACHE_TTL_SECONDS: "600" };
const VOICE = "en_US-voxqueue_ref-x_low";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ redisUrl: REDIS_URL, apiEnv: CACHE, workerEnv: CACHE });
});
afterAll(async () => {
  await stack?.stop();
});

async function submit(body: Record<string, unknown>): Promise<JobAccepted> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobAccepted;
}

/** The job once it has ended (long poll). */
async function ended(id: string): Promise<JobView> {
  for (;;) {
    const view = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}?wait=30`)).json()) as JobView;
    if (view.status === "completed" || view.status === "failed") return view;
  }
}

async function audio(id: string): Promise<Buffer> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function cacheCounts(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${stack.apiUrl}/metrics`)).text();
  const value = (result: string) => Number(new RegExp(`^tts_cache_requests_total\\{result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1]);
  return { hit: value("hit"), miss: value("miss") };
}

describe("audio cache (real API, worker and Redis)", () => {
  it("answers a repeated request from stored audio, without synthesis, as a job the client can poll", async () => {
    const before = await cacheCounts();
    const first = await submit({ text: "The cache keeps this sentence.", voice: VOICE });
    expect(first.status).toBe("queued");
    const firstView = await ended(first.id);
    expect(firstView.status).toBe("completed");
    expect(firstView.result?.cached).toBeUndefined();
    const firstAudio = await audio(first.id);

    // Same text once white space is normalised, same voice and scales: a hit.
    const second = await submit({ text: "  The cache   keeps this sentence. ", voice: VOICE });
    expect(second.status).toBe("completed");
    expect(second.id).not.toBe(first.id);
    const secondView = (await (await fetch(`${stack.apiUrl}/v1/jobs/${second.id}`)).json()) as JobView;
    expect(secondView).toMatchObject({ id: second.id, status: "completed", attempts: 0, result: { cached: true, synthesis_s: 0, audio_duration_s: firstView.result!.audio_duration_s } });
    // The same bytes: VITS noise was sampled once, for the first job.
    expect((await audio(second.id)).equals(firstAudio)).toBe(true);
    const events = await (await fetch(`${stack.apiUrl}/v1/jobs/${second.id}/events`)).text();
    expect(events).toContain('"status":"completed"');
    expect(await cacheCounts()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });

    // Another scale is another audio: a miss, synthesized.
    const third = await submit({ text: "The cache keeps this sentence.", voice: VOICE, noise_scale: 0.3 });
    expect(third.status).toBe("queued");
    expect((await ended(third.id)).result?.cached).toBeUndefined();
    expect(await cacheCounts()).toEqual({ hit: before.hit + 1, miss: before.miss + 2 });
  }, 120_000);
});
