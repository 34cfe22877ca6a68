import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatApiKeyLine, hashApiKey, type JobView } from "@voxqueue/contracts";
import { CHROMIUM_PATH, E2E_OUTPUT_DIR, redisDbUrl, startStack, type TestStack } from "../src/index.js";

// Logical database 2 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(2);
// The API runs with API keys: the page's key field, and the inspector's Basic auth.
const KEY_ALICE = "vq_alice-console-0123456789abcdefghijklmnopqrstuv";
const KEY_ADMIN = "vq_admin-console-0123456789abcdefghijklmnopqrstuv";
const MULTI_VOICE = "en_US-voxqueue_ref_multi-x_low";
// Eight sentences: long enough (seconds of synthesis on x_low) that the page sees the job active.
const TEXT = [
  "The console sends this text to the API.",
  "A worker takes the job from the queue.",
  "It splits the text into sentences and turns each into phonemes.",
  "The voice model turns the phonemes into audio, sentence by sentence.",
  "The worker stores the audio in Redis and records its timings.",
  "The page follows the job until it is done.",
  "Then it fetches the audio with the API key and plays it.",
  "The charts below show the queue, the real-time factor and the latency.",
].join(" ");

let stack: TestStack;
let browser: Browser;
beforeAll(async () => {
  mkdirSync(E2E_OUTPUT_DIR, { recursive: true });
  const keysFile = join(mkdtempSync(join(tmpdir(), "vq-console-keys-")), "api-keys");
  const lines = [
    ["alice", KEY_ALICE],
    ["admin", KEY_ADMIN],
  ].map(([name, key]) => formatApiKeyLine({ name: name!, sha256: hashApiKey(key!) }));
  writeFileSync(keysFile, `${lines.join("\n")}\n`, { mode: 0o600 });
  [stack, browser] = await Promise.all([
    startStack({ redisUrl: REDIS_URL, apiEnv: { API_KEYS_FILE: keysFile } }),
    // Debian's chromium; playwright-core never downloads a browser.
    chromium.launch({ executablePath: CHROMIUM_PATH, headless: true }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A page whose requests to any other origin are aborted and recorded, with its console errors recorded. */
async function openPage(httpCredentials?: {
  username: string;
  password: string;
}): Promise<{ context: BrowserContext; page: Page; foreign: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light", ...(httpCredentials ? { httpCredentials } : {}) });
  const foreign: string[] = [];
  const origin = new URL(stack.apiUrl).origin;
  await context.route(
    (url) => url.origin !== origin && url.protocol !== "blob:" && url.protocol !== "data:",
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(`${msg.text()} ${msg.location().url}`));
  return { context, page, foreign, errors };
}

describe("web console in a real browser (Debian chromium, playwright-core)", () => {
  it("submits a text from the keyboard, follows the job live, plays its audio and charts it", async () => {
    const { context, page, foreign, errors } = await openPage();
    try {
      await page.goto(`${stack.apiUrl}/`);
      await page.locator("body[data-ready]").waitFor();
      // No key yet: the API refuses, the page says so and puts the focus on the key field.
      await expect.poll(() => page.locator("#form-error").textContent()).toMatch(/API key/);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("api-key");
      await page.keyboard.type(KEY_ALICE);
      await page.keyboard.press("Enter");
      expect(await page.evaluate(() => localStorage.getItem("voxqueue.apiKey"))).toBe(KEY_ALICE);
      await expect.poll(() => page.locator("#voice option").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(MULTI_VOICE)]));
      // Every form control has a label.
      expect(await page.$$eval("input, select, textarea", (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id))).toEqual([]);

      await page.getByLabel("Voice").selectOption(MULTI_VOICE);
      await expect.poll(() => page.getByLabel("Speaker").isEnabled()).toBe(true);
      await page.getByLabel("Speaker").selectOption("speaker_2");
      await page.getByLabel("Format").selectOption("wav");
      await page.getByLabel("Text").fill(TEXT);
      // Keyboard: Ctrl+Enter in the text submits.
      await page.getByLabel("Text").press("Control+Enter");

      const steps = page.locator("#job-steps li");
      await page.locator('#job-steps li[data-step="completed"][data-seen]').waitFor({ timeout: 120_000 });
      // The page saw each state as the API answered it: queued (the 202), active (a poll while the worker ran), completed.
      expect(await steps.evaluateAll((lis) => lis.filter((li) => li.hasAttribute("data-seen")).map((li) => (li as HTMLElement).dataset.step))).toEqual([
        "queued",
        "active",
        "completed",
      ]);
      await expect.poll(() => page.locator("#job-status").textContent(), { timeout: 30_000 }).toMatch(/completed: .* RTF .*Ready to play/);
      expect(await page.locator("#job-status").getAttribute("aria-live")).toBe("polite");

      const id = (await page.locator("#download").getAttribute("download"))!.replace(/\.wav$/, "");
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}`, { headers: { Authorization: `Bearer ${KEY_ALICE}` } })).json()) as JobView;
      expect(job.status).toBe("completed");
      expect(job.result).toMatchObject({ voice: MULTI_VOICE, speaker: "speaker_2" });

      // The audio element has a playable source: the browser decoded its header and knows its length.
      const audio = await page.waitForFunction(
        () => {
          const a = document.querySelector<HTMLAudioElement>("#player");
          return a && a.readyState >= HTMLMediaElement.HAVE_METADATA && a.duration > 0 ? { src: a.currentSrc, duration: a.duration, error: a.error } : null;
        },
        undefined,
        { timeout: 30_000 },
      );
      const { src, duration, error } = (await audio.jsonValue())!;
      expect(error).toBeNull();
      expect(src).toMatch(/^blob:/);
      expect(Math.abs(duration - job.result!.audio_duration_s)).toBeLessThan(0.01);
      // It plays (muted: the test machine has no speakers).
      await page.locator("#player").evaluate(async (a: HTMLAudioElement) => {
        a.muted = true;
        await a.play();
      });
      await page.waitForFunction(() => (document.querySelector<HTMLAudioElement>("#player")?.currentTime ?? 0) > 0);

      // RTF and timings as the API reports them.
      expect(await page.locator('#job-timings dd[data-timing="RTF"]').textContent()).toBe(job.result!.rtf.toFixed(3));
      expect(await page.locator('#job-timings dd[data-timing="voice"]').textContent()).toBe(`${MULTI_VOICE} (speaker speaker_2)`);

      // The recent-jobs list shows it, completed.
      await page.locator(`#recent-table tr[data-job-id="${id}"] .badge.completed`).waitFor({ timeout: 15_000 });
      // The RTF chart draws the API's figure for the one finished job (Σ synthesis / Σ audio = its RTF).
      await expect.poll(() => page.locator("#chart-rtf .value").textContent(), { timeout: 15_000 }).toBe(job.result!.rtf.toFixed(3));
      await expect.poll(() => page.locator("#chart-queue path.line").getAttribute("d")).toMatch(/^M/);

      await page.screenshot({ path: join(E2E_OUTPUT_DIR, "console.png"), fullPage: true });

      // The same job in another format: MP3, encoded by the API, decoded by the browser.
      await page.getByLabel("Format").selectOption("mp3");
      await page.locator(`#recent-table tr[data-job-id="${id}"] button`).click();
      await expect.poll(() => page.locator("#download").getAttribute("download"), { timeout: 30_000 }).toBe(`${id}.mp3`);
      const mp3 = await page.waitForFunction(
        () => {
          const a = document.querySelector<HTMLAudioElement>("#player");
          return a && a.readyState >= HTMLMediaElement.HAVE_METADATA && a.duration > 0 ? a.duration : null;
        },
        undefined,
        { timeout: 30_000 },
      );
      // MP3 frames round the length up a little (encoder delay and padding).
      expect(Math.abs((await mp3.jsonValue())! - job.result!.audio_duration_s) / job.result!.audio_duration_s).toBeLessThan(0.02);

      expect(foreign).toEqual([]);
      // The only errors: the refused requests before the key was typed.
      expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the queue in the read-only queue inspector (bull-board) at /admin/queues, to the admin key", async () => {
    const refused = await fetch(`${stack.apiUrl}/admin/queues`, { headers: { Authorization: `Bearer ${KEY_ALICE}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Basic /);
    // What a person does in the browser's login prompt: any user name, the key as password.
    const { context, page, foreign } = await openPage({ username: "admin", password: KEY_ADMIN });
    try {
      await page.goto(`${stack.apiUrl}/admin/queues`);
      await page.getByText(stack.queueName).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(E2E_OUTPUT_DIR, "admin-queues.png"), fullPage: true });
      // Its CDN web font is blocked by the page's CSP before any request leaves.
      expect(foreign).toEqual([]);
      const pause = await page.request.put(`${stack.apiUrl}/admin/queues/api/queues/${stack.queueName}/pause`);
      expect(pause.status()).toBe(405);
    } finally {
      await context.close();
    }
  });
});
