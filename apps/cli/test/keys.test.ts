import { execFile } from "node:child_process";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hashApiKey, parseApiKeysFile } from "@voxqueue/contracts";

const run = promisify(execFile);
const KEYS = join(import.meta.dirname, "..", "src", "keys.ts");

/** Runs `pnpm keys ARGS` (as the root script does); exit code and output, never throwing. */
async function keys(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", "tsx", KEYS, ...args], { env: { ...process.env, API_KEYS_FILE: "", ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "vq-keys-cli-")), "keys");
}

// Each case starts Node with tsx (seconds on a busy machine).
describe("pnpm keys", { timeout: 60_000 }, () => {
  it("prints its usage with --help", async () => {
    const { code, stdout } = await keys(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: pnpm keys");
    expect(stdout).toContain("add NAME");
  });

  it("add: prints a new key once on stdout and appends only its hash (mode 0600)", async () => {
    const file = await tempFile();
    const { code, stdout, stderr } = await keys(["add", "mobile-app", "--file", file]);
    expect(code).toBe(0);
    const key = stdout.trim();
    expect(key).toMatch(/^vq_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toContain("shown only now");
    const text = await readFile(file, "utf8");
    expect(text).toBe(`mobile-app:${hashApiKey(key)}\n`);
    expect(text).not.toContain(key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await keys(["add", "batch", "--file", file]);
    expect(second.stdout.trim()).not.toBe(key);
    expect(parseApiKeysFile(await readFile(file, "utf8")).map((e) => e.name)).toEqual(["mobile-app", "batch"]);
  });

  it("add: reads API_KEYS_FILE, and keeps lines of a file without a final line break apart", async () => {
    const file = await tempFile();
    await writeFile(file, `# ours\nold:${hashApiKey("x")}`);
    const { code } = await keys(["add", "new"], { API_KEYS_FILE: file });
    expect(code).toBe(0);
    expect(parseApiKeysFile(await readFile(file, "utf8")).map((e) => e.name)).toEqual(["old", "new"]);
  });

  it.each([
    ["a duplicate name", ["add", "dup"], /a key named "dup" exists already/],
    ["a name with a space", ["add", "two words"], /bad key name/],
    ["a name with a colon", ["add", "a:b"], /bad key name/],
    ["a name of 65 characters", ["add", "n".repeat(65)], /bad key name/],
    ["no name", ["add"], /usage: pnpm keys add NAME/],
    ["an unknown command", ["rotate", "dup"], /unknown command/],
    ["removing a key that is not there", ["remove", "ghost"], /no key named "ghost"/],
  ])("refuses %s with exit 2, leaving the file as it was", async (_name, args, message) => {
    const file = await tempFile();
    await writeFile(file, `dup:${hashApiKey("x")}\n`);
    const { code, stdout, stderr } = await keys([...args, "--file", file]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(await readFile(file, "utf8")).toBe(`dup:${hashApiKey("x")}\n`);
  });

  it("refuses to add to a malformed file, naming the line", async () => {
    const file = await tempFile();
    await writeFile(file, "this is not a key line\n");
    const { code, stderr } = await keys(["add", "x", "--file", file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/line 1: expected NAME:SHA256_HEX/);
  });

  it("says what to do without a file", async () => {
    const { code, stderr } = await keys(["list"]);
    expect(code).toBe(2);
    expect(stderr).toContain("set API_KEYS_FILE or pass --file");
  });

  it("list prints the names; remove deletes one line and keeps the rest", async () => {
    const file = await tempFile();
    await writeFile(file, `# team keys\na:${hashApiKey("1")}\nb:${hashApiKey("2")}\n`);
    expect((await keys(["list", "--file", file])).stdout).toBe("a\nb\n");
    expect((await keys(["remove", "a", "--file", file])).code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(`# team keys\nb:${hashApiKey("2")}\n`);
  });
});
