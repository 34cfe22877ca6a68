import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobBodyLimitBytes } from "@voxqueue/config";
import type { JobView } from "@voxqueue/contracts";
import { until, type TestStack } from "@voxqueue/e2e";
import { Sampler, mib, rssBytes, startFaultStack, stopFaultStack, submitJob, type RedisServer } from "../src/index.js";
import type { Redis } from "ioredis";

const VOICE = "en_US-voxqueue_ref-x_low";
// The defaults the stack runs with.
const MAX_TEXT_CHARS = 5000;
const MAX_LONGFORM_CHARS = 100_000;
const JOB_BODY_LIMIT_BYTES = jobBodyLimitBytes({ MAX_BODY_BYTES: 262_144, MAX_TEXT_CHARS, MAX_LONGFORM_CHARS });

let server: RedisServer;
let redis: Redis;
let stack: TestStack;
beforeAll(async () => {
  ({ server, redis, stack } = await startFaultStack({ workerEnv: { WORKER_CONCURRENCY: "2" } }));
});
afterAll(() => stopFaultStack({ server, redis, stack }));

async function finished(id: string): Promise<JobView> {
  return until(
    `job ${id}`,
    async () => {
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`)).json()) as JobView;
      return job.status === "completed" || job.status === "failed" ? job : undefined;
    },
    240_000,
    250,
  );
}

/** Checks the job's WAV: RIFF/WAVE, 16-bit mono PCM at the result's rate, length = its duration. */
async function checkAudio(job: JobView): Promise<void> {
  const res = await fetch(`${stack.apiUrl}${job.result!.audio_url}`);
  expect(res.status).toBe(200);
  const wav = Buffer.from(await res.arrayBuffer());
  expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
  expect(wav.toString("ascii", 8, 12)).toBe("WAVE");
  expect(wav.readUInt16LE(22)).toBe(1);
  expect(wav.readUInt32LE(24)).toBe(job.result!.sample_rate);
  expect(wav.readUInt16LE(34)).toBe(16);
  expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
  expect(wav.length).toBeGreaterThan(44);
  expect((wav.length - 44) / 2 / job.result!.sample_rate).toBeCloseTo(job.result!.audio_duration_s, 6);
}

// Each text either speaks (valid audio) or fails invalid_input; `expect` pins the
// outcome where it is certain.
const TEXTS: { name: string; text: string; expect?: "completed" | "invalid_input" }[] = [
  { name: "empty sentences between words", text: "Hello. . . . World. .", expect: "completed" },
  { name: "only punctuation", text: "... ?! — «» ...", expect: "invalid_input" },
  { name: "punctuation runs", text: ";;; !!! ,,, :::" },
  { name: "a single letter", text: "a", expect: "completed" },
  { name: "emoji only", text: "😀🎉🚀👍🏽" },
  { name: "mixed scripts", text: "Hello мир, 世界, שלום, مرحبا, Ελλάδα and कृपया." },
  { name: "numbers and dates", text: "On 2024-03-15 at 10:30, it cost $1,234.56; the 3rd of May 1999 was 25% cheaper.", expect: "completed" },
  { name: "newlines and tabs", text: "Line one.\n\nLine two.\tTabbed\tout.\r\nWindows line.", expect: "completed" },
  { name: "control characters", text: "Bell\u0007 and null\u0000 and escape\u001b inside.", expect: "completed" },
  { name: "unknown characters", text: "\uE000\uF8FF ☃ ∑ ¶ \u{10FFFD} and words.", expect: "completed" },
  { name: "lone surrogates", text: "broken \uD800 pair \uDFFF here." },
  { name: "combining marks", text: "Ze\u0301\u0301\u0301\u0301bra n\u0303o." },
  { name: "zero-width and bidi controls", text: "Zero\u200Bwidth \u202Eright to left\u202C text\uFEFF." },
  { name: "one unpunctuated 3000-letter word", text: "a".repeat(3000), expect: "completed" },
  { name: "repeated punctuation", text: "Wait...!?!? What?! No way!!!", expect: "completed" },
];

describe("odd texts: valid audio or a clear invalid_input, never a crashed worker", () => {
  it.each(TEXTS)("$name", async ({ text, expect: outcome }) => {
    const res = await submitJob(stack.apiUrl, { text, voice: VOICE });
    expect(res.status, JSON.stringify(res)).toBe(202);
    const job = await finished(res.id!);
    if (job.status === "completed") await checkAudio(job);
    else {
      expect(job.error?.type).toBe("invalid_input");
      expect(job.attempts).toBe(1);
    }
    if (outcome) expect(outcome === "completed" ? job.status : job.error?.type).toBe(outcome);
  });

  it("rejects a text past MAX_LONGFORM_CHARS or over MAX_AUDIO_SECONDS (400) and a body past the job body limit (413); only whitespace is empty (400)", async () => {
    // Texts over MAX_TEXT_CHARS are long-form jobs up to MAX_LONGFORM_CHARS; one past it is refused.
    const tooLong = await submitJob(stack.apiUrl, { text: "word ".repeat(MAX_LONGFORM_CHARS / 5 + 1), voice: VOICE });
    expect([tooLong.status, tooLong.errorType]).toEqual([400, "invalid_input"]);
    // 50,000 characters is long-form sized, but as one word its audio estimate is far over MAX_AUDIO_SECONDS.
    const long = await submitJob(stack.apiUrl, { text: "x".repeat(50_000), voice: VOICE });
    expect([long.status, long.errorType]).toEqual([400, "invalid_input"]);
    const huge = await submitJob(stack.apiUrl, { text: "x".repeat(JOB_BODY_LIMIT_BYTES + 1), voice: VOICE });
    expect([huge.status, huge.errorType]).toEqual([413, "payload_too_large"]);
    const blank = await submitJob(stack.apiUrl, { text: " \n\t\r ", voice: VOICE });
    expect([blank.status, blank.errorType]).toEqual([400, "invalid_input"]);
  });

  it(`synthesizes the longest allowed text (${MAX_TEXT_CHARS} characters) with bounded worker memory`, async () => {
    const sentence = "The longest text we accept is split into sentences of bounded size. ";
    const text = sentence.repeat(Math.ceil(MAX_TEXT_CHARS / sentence.length)).slice(0, MAX_TEXT_CHARS);
    const pid = stack.workers[0]!.child.pid!;
    const before = (await rssBytes(pid))!;
    const sampler = new Sampler(redis, () => [pid], 250).start();
    const res = await submitJob(stack.apiUrl, { text, voice: VOICE });
    expect(res.status).toBe(202);
    const job = await finished(res.id!);
    sampler.stop();
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    await checkAudio(job);
    const wavMib = mib(44 + job.result!.audio_duration_s * job.result!.sample_rate * 2);
    console.log(
      JSON.stringify({
        test: "longest-text",
        chars: text.length,
        audio_s: job.result!.audio_duration_s,
        synthesis_s: job.result!.synthesis_s,
        wav_mib: wavMib,
        rss_before_mib: mib(before),
        peak_rss_mib: mib(sampler.peakRss()),
      }),
    );
    // The sentences, the WAV and some slack: nothing proportional to more than that.
    expect(mib(sampler.peakRss() - before)).toBeLessThan(64 + 4 * wavMib);
  });

  it("left the worker running (no crash, no restart)", () => {
    const worker = stack.workers[0]!;
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).not.toMatch(/inference thread (crashed|exited)|Aborted|terminate called/);
  });
});
