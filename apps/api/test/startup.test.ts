import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REDIS_URL } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** Runs the API process with `env` until it exits; its output, split into lines. */
async function runApi(env: Record<string, string>): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, REDIS_URL, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");
  return { code, stdout: lines(stdout), stderr: lines(stderr) };
}

describe("API process start", () => {
  it("on a port in use: one JSON fatal line saying so, nothing else on stderr, exit 1", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as AddressInfo).port;
    try {
      const { code, stdout, stderr } = await runApi({ PORT: String(port), HOST: "127.0.0.1", QUEUE_NAME: `startup-test-${process.pid}` });
      expect(code).toBe(1);
      expect(stderr).toEqual([]);
      const logs = stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
      const fatal = logs.filter((l) => l.level === "fatal");
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ app: "api", err: { code: "EADDRINUSE" } });
      expect(fatal[0]!.msg).toMatch(new RegExp(`api failed to start: 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      taken.close();
    }
  }, 60_000);

  it("with an API_KEYS_FILE that does not parse: a fatal line naming the file and line, exit 2 (never an open API)", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "vq-startup-")), "keys");
    await writeFile(file, "alice:not-a-hash\n");
    const { code, stdout } = await runApi({ PORT: "0", HOST: "127.0.0.1", API_KEYS_FILE: file, QUEUE_NAME: `startup-test-${process.pid}` });
    expect(code).toBe(2);
    const fatal = stdout.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "fatal");
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toBe(`api failed to start: API_KEYS_FILE ${file}: line 1 (alice): the hash must be 64 hex digits (SHA-256 of the key)`);
  }, 60_000);
});
