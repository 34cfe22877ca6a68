import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const TTS = join(import.meta.dirname, "..", "src", "tts.ts");

describe("pnpm tts", () => {
  it("prints its usage with --help", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", TTS, "--help"]);
    expect(stdout).toContain("Usage: pnpm tts");
    expect(stdout).toContain("--length-scale");
  });

  it("says how to start the API when none answers", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await run(process.execPath, ["--import", "tsx", TTS, "--api", `http://127.0.0.1:${port}`, "hello"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/cannot reach the voxqueue API.*pnpm start/);
  });

  it("refuses an --out in a folder that does not exist before it submits anything", async () => {
    // No API answers at port 1: the check must come first.
    const err = (await run(process.execPath, ["--import", "tsx", TTS, "--api", "http://127.0.0.1:1", "-o", "/nonexistent/dir/x.wav", "hi"]).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("cannot write /nonexistent/dir/x.wav: the folder /nonexistent/dir does not exist");
    expect(err.stderr).not.toContain("cannot reach");
  });

  it("refuses an --out that is a folder", async () => {
    const err = (await run(process.execPath, ["--import", "tsx", TTS, "--api", "http://127.0.0.1:1", "-o", tmpdir(), "hi"]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("it is a folder");
  });
});
