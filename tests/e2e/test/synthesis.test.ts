import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "@voxqueue/contracts";
import { redisDbUrl, startStack, until, type TestStack } from "../src/index.js";

// Logical database 10 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(10);

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ redisUrl: REDIS_URL, workerEnv: { WORKER_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await stack?.stop();
});

const texts = [
  "Hello from the queue.",
  "It takes the form of a multi-colored circular arc. Rainbows appear opposite the Sun.",
  "Are those shy Eurasian footwear, cowboy chaps, or jolly earthmoving headgear?",
  "Test 1. Test 2.",
  "The quick brown fox jumps over the lazy dog!",
];

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  expect(res.headers.get("location")).toMatch(/^\/v1\/jobs\/[0-9a-f-]{36}$/);
  return ((await res.json()) as { id: string }).id;
}

async function finished(id: string): Promise<JobView> {
  return until(
    `job ${id}`,
    async () => {
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
      return job.status === "completed" || job.status === "failed" ? job : undefined;
    },
    150_000,
    200,
  );
}

function soxi(file: string, flag: string): number {
  return Number(execFileSync("soxi", [flag, file], { encoding: "utf8" }).trim());
}

describe("HTTP submit → queue → worker → audio (real processes, real Redis)", () => {
  it("lists the installed voices", async () => {
    const body = (await (await fetch(`${stack.apiUrl}/v1/voices`)).json()) as { voices: { id: string; num_speakers: number }[] };
    expect(body.voices.map((v) => v.id).sort()).toEqual(["en_US-voxqueue_ref-x_low", "en_US-voxqueue_ref_multi-x_low"].sort());
  });

  it("completes 20 concurrent jobs; every WAV decodes with sox and matches its result", async () => {
    const requests = Array.from({ length: 20 }, (_, i) => {
      const multi = i % 4 === 3;
      return {
        text: texts[i % texts.length]!,
        voice: multi ? "en_US-voxqueue_ref_multi-x_low" : "en_US-voxqueue_ref-x_low",
        ...(multi ? { speaker: `speaker_${i % 4}` } : {}),
        ...(i === 1 ? { length_scale: 1.5 } : {}),
      };
    });
    const ids = await Promise.all(requests.map(submit));
    expect(new Set(ids).size).toBe(20);

    // While jobs run, the worker's event loop still answers scrapes (inference is on threads).
    const metrics = await fetch(`${stack.workerMetricsUrls[0]}/metrics`);
    expect(metrics.status).toBe(200);

    const jobs = await Promise.all(ids.map(finished));
    const dir = mkdtempSync(join(tmpdir(), "vq-e2e-wav-"));
    for (const [i, job] of jobs.entries()) {
      expect(job.status, JSON.stringify(job.error)).toBe("completed");
      const r = job.result!;
      expect(r.voice).toBe(requests[i]!.voice);
      expect(r.rtf).toBeCloseTo(r.synthesis_s / r.audio_duration_s, 9);
      expect(job.started_at! >= job.created_at).toBe(true);
      expect(job.finished_at! >= job.started_at!).toBe(true);

      const res = await fetch(`${stack.apiUrl}${r.audio_url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^audio\/wav/);
      const file = join(dir, `${job.id}.wav`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const samples = soxi(file, "-s");
      const rate = soxi(file, "-r");
      expect(rate).toBe(r.sample_rate);
      expect(soxi(file, "-c")).toBe(1);
      expect(soxi(file, "-b")).toBe(16);
      expect(soxi(file, "-D")).toBeCloseTo(samples / rate, 4);
      expect(r.audio_duration_s).toBeCloseTo(samples / rate, 6);
      // Realistic length: 60–120 ms per phoneme means roughly 40–200 ms per character here.
      const chars = requests[i]!.text.length;
      expect(r.audio_duration_s / chars).toBeGreaterThan(0.02);
      expect(r.audio_duration_s / chars).toBeLessThan(0.3);
    }
    // length_scale 1.5 makes the same text longer than at 1.0.
    expect(jobs[1]!.result!.audio_duration_s).toBeGreaterThan(jobs[6]!.result!.audio_duration_s * 1.2);
  });

  it("fails a job whose text has nothing pronounceable with invalid_input, without retries", async () => {
    const id = await submit({ text: "... ?! — «»", voice: "en_US-voxqueue_ref-x_low" });
    const job = await finished(id);
    expect(job.status).toBe("failed");
    expect(job.error?.type).toBe("invalid_input");
    expect(job.attempts).toBe(1);
    const audio = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`);
    expect(audio.status).toBe(410);
    expect(((await audio.json()) as { error: { type: string; message: string } }).error).toMatchObject({
      type: "job_failed",
      message: expect.stringContaining("invalid_input: "),
    });
  });
});
