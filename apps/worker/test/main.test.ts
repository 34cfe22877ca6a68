import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** Runs the worker process with `env` until it exits. */
async function runWorker(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe("worker process start", () => {
  it.each([
    ["LOG_LEVEL", "verbose"],
    ["WORKER_CONCURRENCY", "zero"],
  ])(
    "with %s=%s: says which setting is wrong, no stack trace, exit 2, before doing anything",
    async (name, value) => {
      const { code, stdout, stderr } = await runWorker({ [name]: value, VOICES_DIR: "/nonexistent/voices", REDIS_URL: "redis://127.0.0.1:1" });
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(name);
      expect(stderr).not.toMatch(/^\s+at /m);
    },
    60_000,
  );

  it.each([
    ["empty", true],
    ["missing", false],
  ])(
    "with a VOICES_DIR that is %s: exit 1 with one fatal line naming VOICES_DIR and pnpm voices; nothing generated",
    async (_, create) => {
      const parent = await mkdtemp(join(tmpdir(), "vq-no-voices-"));
      const dir = join(parent, "voices");
      try {
        if (create) await mkdir(dir);
        const { code, stdout } = await runWorker({ VOICES_DIR: dir, REDIS_URL: "redis://127.0.0.1:1", LOG_LEVEL: "info" });
        expect(code).toBe(1);
        const fatal = stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { level: string; msg: string })
          .filter((l) => l.level === "fatal");
        expect(fatal).toHaveLength(1);
        expect(fatal[0]!.msg).toContain(`no usable Piper voice in VOICES_DIR (${dir})`);
        expect(fatal[0]!.msg).toContain(`pnpm voices --out ${dir}`);
        expect(stdout).not.toContain("generating");
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe("worker process stop", () => {
  it("stops gracefully on a SIGTERM that comes while it is still starting (right after voices loaded): exit 0, not killed by the signal", async () => {
    const voicesDir = await mkdtemp(join(tmpdir(), "vq-main-stop-"));
    try {
      await ensureReferenceVoices(voicesDir, { only: ["en_US-voxqueue_ref-x_low"] });
      const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
        env: {
          ...process.env,
          VOICES_DIR: voicesDir,
          REDIS_URL: "redis://127.0.0.1:6379/13",
          QUEUE_NAME: `main-stop-${process.pid}`,
          WORKER_METRICS_PORT: "0",
          WORKER_METRICS_HOST: "127.0.0.1",
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      // "voices loaded" comes early in the start: the inference threads, the queue workers,
      // the catalog and the heartbeat come after it.
      await new Promise<void>((resolve) => {
        const onData = () => {
          if (stdout.includes('"msg":"voices loaded"')) {
            child.stdout.off("data", onData);
            resolve();
          }
        };
        child.stdout.on("data", onData);
      });
      child.kill("SIGTERM");
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(stdout).toContain('"msg":"shutting down"');
    } finally {
      await rm(voicesDir, { recursive: true, force: true });
    }
  }, 120_000);
});
