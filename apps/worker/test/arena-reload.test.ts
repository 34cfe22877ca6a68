import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

// Worker memory after a long job, measured by scripts/rss-after-long-job.ts in a fresh
// process each (one inference thread, x_low voice, 600 characters in one run-on
// sentence). onnxruntime's CPU arena keeps the job's peak; reloading the session after
// such a job gives it back. Ratios of one process's own RSS, so a busy machine does not
// change them much.
const SCRIPT = fileURLToPath(new URL("../scripts/rss-after-long-job.ts", import.meta.url));
const VOICE = "en_US-voxqueue_ref-x_low";

interface RssReport {
  idle_bytes: number;
  after_bytes: number;
  after_over_idle: number;
  arena_reloads: number;
}

let voicesDir: string;
beforeAll(async () => {
  voicesDir = await mkdtemp(join(tmpdir(), "vq-arena-"));
  await ensureReferenceVoices(voicesDir, { only: [VOICE] });
}, 120_000);

async function measure(reloadRatio: number): Promise<RssReport> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      SCRIPT,
      "--voices",
      voicesDir,
      "--voice",
      VOICE,
      "--reload-ratio",
      String(reloadRatio),
      "--chars",
      "600",
      "--length-scale",
      "1",
    ],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 240_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as RssReport;
}

describe("worker RSS after a long job", () => {
  it("stays within 1.5x idle with arena reload (ORT_ARENA_RELOAD_RSS_RATIO=1.5), and does not without it", async () => {
    const kept = await measure(0);
    const reloaded = await measure(1.5);
    console.log(`RSS after / idle: arena kept ${kept.after_over_idle}, reloaded ${reloaded.after_over_idle} (${reloaded.arena_reloads} reload)`);
    expect(kept.arena_reloads).toBe(0);
    expect(kept.after_over_idle).toBeGreaterThan(1.5);
    expect(reloaded.arena_reloads).toBe(1);
    expect(reloaded.after_over_idle).toBeLessThanOrEqual(1.5);
  }, 600_000);
});
