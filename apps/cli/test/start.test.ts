// `pnpm start` as a terminal runs it: the launcher in its own process group, Ctrl-C
// sent to that whole group. Real processes: the launcher starts its own redis-server
// (a free port nobody answers on), the worker and the API on free ports.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_VOICES_DIR, REPO_ROOT } from "@voxqueue/config";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { redisDataDir } from "../src/stack.js";

const START = join(import.meta.dirname, "..", "src", "start.ts");
const VOICE = "en_US-voxqueue_ref-medium";
// ~3.5 s of synthesis on this machine's 2 cores: long enough to be active when Ctrl-C comes.
const TEXT = `A rainbow is a meteorological phenomenon that is caused by reflection, refraction and dispersion of light in water droplets, resulting in a spectrum of light appearing in the sky. It takes the form of a multicoloured circular arc. Rainbows caused by sunlight always appear in the section of sky directly opposite the Sun.`;

let voicesDir = DEFAULT_VOICES_DIR;
beforeAll(async () => {
  // `pnpm build` of voice-forge generates them there; otherwise a temp folder (~2 s).
  if (!existsSync(join(DEFAULT_VOICES_DIR, `${VOICE}.onnx`))) {
    voicesDir = mkdtempSync(join(tmpdir(), "vq-start-voices-"));
    await ensureReferenceVoices(voicesDir, { only: [VOICE] });
  }
}, 60_000);

/** Distinct free ports (all held until every one is picked). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    servers.push(server);
  }
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (ok) await new Promise<void>((r) => server.close(() => r()));
  return ok;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The launcher's child processes (Linux `ps`). */
function childrenOf(pid: number): { pid: number; pgid: number; args: string }[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,pgid=,args=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [p, g, ...args] = line.trim().split(/\s+/);
      return { pid: Number(p), pgid: Number(g), args: args.join(" ") };
    });
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Launcher {
  child: ChildProcess;
  pid: number;
  ports: { redis: number; api: number; metrics: number };
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every pid the launcher had as a child (kept for the checks after it is gone). */
  seen: Set<number>;
}

const launched: Launcher[] = [];
/** Folders to remove at the end: the per-port AOF folders under data/, temp voices. */
const dataDirs: string[] = [];

/** Starts `pnpm start ARGS`; by default on the voices prepared above, with no generation. */
async function launch(env: NodeJS.ProcessEnv = {}, args = ["--no-reference-voices"]): Promise<Launcher> {
  const [redis, api, metrics] = await freePorts(3);
  // detached: its own process group, as a shell puts a foreground job in one.
  const child = spawn(process.execPath, ["--import", "tsx", START, ...args], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${redis}`,
      PORT: String(api),
      WORKER_METRICS_PORT: String(metrics),
      VOICES_DIR: voicesDir,
      LOG_LEVEL: "info",
      ...env,
    },
  });
  let text = "";
  child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (text += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const l: Launcher = { child, pid: child.pid!, ports: { redis: redis!, api: api!, metrics: metrics! }, output: () => text, exit, seen: new Set() };
  launched.push(l);
  dataDirs.push(redisDataDir(`redis://127.0.0.1:${redis}`));
  return l;
}

/** The worker, API and redis-server pids, once all three run (each the leader of its own process group). */
async function apps(l: Launcher): Promise<{ worker: number; api: number; redis: number }> {
  const kids = await until(
    "the worker, the API and redis-server",
    () => {
      const k = childrenOf(l.pid);
      for (const c of k) l.seen.add(c.pid);
      const find = (re: RegExp) => k.find((c) => re.test(c.args));
      const [worker, api, redis] = [find(/apps\/worker\/src\/main\.ts/), find(/apps\/api\/src\/main\.ts/), find(/redis-server/)];
      return worker && api && redis ? { worker, api, redis } : null;
    },
    30_000,
  );
  for (const c of Object.values(kids)) expect(c.pgid, `${c.args} leads its own process group`).toBe(c.pid);
  return { worker: kids.worker.pid, api: kids.api.pid, redis: kids.redis.pid };
}

async function exited(l: Launcher, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`the launcher did not exit within ${timeoutMs} ms:\n${l.output().slice(-3000)}`)), timeoutMs)),
  );
  try {
    return await Promise.race([l.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Nothing left: the processes are gone and their ports free. */
async function expectNothingLeft(l: Launcher) {
  for (const pid of l.seen) expect(alive(pid), `pid ${pid} is gone`).toBe(false);
  for (const [name, port] of Object.entries(l.ports)) expect(await portFree(port), `${name} port ${port} is free`).toBe(true);
}

afterEach(() => {
  // A failed test must not leave processes behind either.
  for (const l of launched.splice(0)) {
    // Also the children never looked up (a test that timed out waiting for "ready"):
    // each leads its own process group, so the launcher's death does not reach them.
    for (const c of childrenOf(l.pid)) l.seen.add(c.pid);
    if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill("SIGKILL");
    for (const pid of l.seen) if (alive(pid)) process.kill(pid, "SIGKILL");
  }
});

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe("pnpm start", () => {
  it("Ctrl-C (SIGINT to the launcher's process group) lets the worker finish its job, then stops Redis; nothing is left", async () => {
    const l = await launch();
    await until("ready", () => l.output().includes("[voxqueue] ready:"), 45_000);
    await apps(l);
    const api = `http://127.0.0.1:${l.ports.api}`;
    const res = await fetch(`${api}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: TEXT, voice: VOICE }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await until("the job to be active", async () => ((await (await fetch(`${api}/v1/jobs/${id}`)).json()) as { status: string }).status === "active", 20_000);

    process.kill(-l.pid, "SIGINT"); // what a terminal does on Ctrl-C
    expect(await exited(l, 45_000)).toEqual({ code: 0, signal: null });

    const out = l.output();
    const at = (re: RegExp) => out.search(re);
    const completed = at(new RegExp(`"job_id":"${id}".*"msg":"job completed"`));
    expect(at(/\[voxqueue\] SIGINT: stopping/)).toBeGreaterThan(-1);
    // Drained: the job completed after the Ctrl-C, before Redis was stopped.
    expect(completed).toBeGreaterThan(at(/\[voxqueue\] SIGINT: stopping/));
    expect(completed).toBeLessThan(at(/\[voxqueue\] stopping the redis-server/));
    expect(at(/\[voxqueue\] the worker stopped/)).toBeLessThan(at(/\[voxqueue\] stopping the redis-server/));
    // Only the launcher got the terminal's signal; the apps got one SIGTERM each.
    expect(out).toMatch(/\[worker\] .*"signal":"SIGTERM".*"msg":"shutting down"/);
    expect(out).not.toMatch(/"signal":"SIGINT"/);
    expect(out).not.toContain("second signal");
    expect(out).toContain("[voxqueue] the redis-server stopped");
    // Its own AOF folder, per port.
    expect(existsSync(join(redisDataDir(`redis://127.0.0.1:${l.ports.redis}`), "appendonlydir"))).toBe(true);
    await expectNothingLeft(l);
  }, 60_000);

  it("a SIGTERM before the stack is ready stops what was started; nothing is left", async () => {
    // A first start: the launcher generates the voices (a few seconds) before the worker starts.
    const voices = mkdtempSync(join(tmpdir(), "vq-start-first-"));
    dataDirs.push(voices);
    const l = await launch({ VOICES_DIR: voices }, []);
    await until(
      "the voice generator",
      () => {
        const k = childrenOf(l.pid);
        for (const c of k) l.seen.add(c.pid);
        return k.find((c) => /voice-forge\/src\/cli\.ts --if-missing/.test(c.args));
      },
      30_000,
    );
    // The launcher logs the line before it spawns the generator; the pipe may bring it a little later.
    await until("the generation's log line", () => l.output().includes(`[voxqueue] generating the reference voices into ${voices}`), 10_000);
    process.kill(l.pid, "SIGTERM");
    expect(await exited(l, 30_000)).toEqual({ code: 0, signal: null });
    const out = l.output();
    expect(out).not.toContain("[voxqueue] ready:");
    expect(out).toContain("[voxqueue] SIGTERM: stopping");
    expect(out).toContain("[voxqueue] the voice generator stopped");
    // The worker never started: it only loads voices, after they are generated.
    expect(out).not.toContain("[worker]");
    await expectNothingLeft(l);
  }, 45_000);

  it("names the signal when the worker is killed (kill -9), and stops the rest", async () => {
    const l = await launch();
    await until("ready", () => l.output().includes("[voxqueue] ready:"), 45_000);
    const { worker } = await apps(l);
    process.kill(worker, "SIGKILL");
    expect(await exited(l, 30_000)).toEqual({ code: 1, signal: null });
    expect(l.output()).toContain("[voxqueue] the worker was killed by SIGKILL; stopping the rest");
    await expectNothingLeft(l);
  }, 60_000);
});
