import { execFile, type ChildProcess } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import type { GpuMemoryReading, Logger } from "@voxqueue/telemetry";

/** nvidia-smi's memory query: one line per GPU, `index, used MiB, total MiB`. */
export const NVIDIA_SMI_MEMORY_ARGS = ["--query-gpu=index,memory.used,memory.total", "--format=csv,noheader,nounits"] as const;

const MIB = 1024 * 1024;

/** Options of {@link GpuMemorySampler}. */
export interface GpuSamplerOptions {
  /** Absolute path of `nvidia-smi` (see {@link findOnPath}). */
  command: string;
  /** Longest wait for one nvidia-smi run, ms; past it the run is killed and counts as failed. @defaultValue 1000 */
  timeoutMs?: number;
  /** A reading (or a failure) is reused for this long, ms, so frequent scrapes cost one run. @defaultValue 2000 */
  cacheMs?: number;
  /** Milliseconds clock. @defaultValue performance.now */
  now?: () => number;
  /** Gets one line when reads start failing and one when they recover. */
  logger?: Logger;
}

/**
 * Parses `nvidia-smi --query-gpu=index,memory.used,memory.total --format=csv,noheader,nounits`
 * (`0, 1234, 81559` per GPU, MiB) into bytes. A GPU whose fields are not numbers
 * (`[N/A]`, `[Not Supported]`, e.g. MIG slices) is left out.
 * @throws Error quoting the output when no line is a GPU reading (an error message, garbage, nothing)
 */
export function parseNvidiaSmiMemory(stdout: string): GpuMemoryReading[] {
  const lines = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const readings: GpuMemoryReading[] = [];
  for (const line of lines) {
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length !== 3) continue;
    const [index, used, total] = fields as [string, string, string];
    if (!/^\d+$/.test(index) || !/^\d+(\.\d+)?$/.test(used) || !/^\d+(\.\d+)?$/.test(total)) continue;
    readings.push({ gpuId: index, usedBytes: Number(used) * MIB, totalBytes: Number(total) * MIB });
  }
  if (readings.length === 0) {
    const shown = stdout.trim().slice(0, 200);
    throw new Error(shown ? `unexpected nvidia-smi output: ${JSON.stringify(shown)}` : "nvidia-smi printed no GPU");
  }
  return readings;
}

/**
 * The absolute path of an executable `command` found in the `PATH` list `path`, or
 * null (a name with a slash is checked as it is).
 */
export async function findOnPath(command: string, path: string = process.env.PATH ?? ""): Promise<string | null> {
  const candidates = command.includes("/")
    ? [command]
    : path
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Reads GPU memory with nvidia-smi, for prom-client `collect` at scrape time. At most
 * one nvidia-smi runs at a time and a result is reused for `cacheMs`, so scrapes never
 * pile up processes, even when nvidia-smi hangs (a wedged driver): a run is given up
 * after `timeoutMs`, and no new one starts while the killed one has not exited.
 */
export class GpuMemorySampler {
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private cached: { at: number; result: Promise<GpuMemoryReading[]> } | null = null;
  private child: ChildProcess | null = null;
  private failing = false;

  constructor(private readonly opts: GpuSamplerOptions) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.cacheMs = opts.cacheMs ?? 2000;
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * The current reading; never rejects.
   * @returns one entry per GPU, or `[]` when nvidia-smi failed (the gauges are then absent)
   */
  read(): Promise<GpuMemoryReading[]> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.result;
    const result = this.sample().then(
      (readings) => {
        if (this.failing) this.opts.logger?.info({ gpus: readings.length }, "GPU memory readable again");
        this.failing = false;
        return readings;
      },
      (err: Error) => {
        if (!this.failing) this.opts.logger?.warn({ err: err.message }, "GPU memory read failed; GPU gauges absent until it recovers");
        this.failing = true;
        return [];
      },
    );
    this.cached = { at: now, result };
    return result;
  }

  /** One nvidia-smi run, parsed. @throws when it fails, times out, or prints no reading */
  sample(): Promise<GpuMemoryReading[]> {
    if (this.child) return Promise.reject(new Error("the previous nvidia-smi has not exited yet"));
    return new Promise<GpuMemoryReading[]>((resolve, reject) => {
      let settled = false;
      // Node answers a timed-out run only once the killed process has exited; one stuck
      // in the driver may never exit, so the answer has its own deadline.
      const timer = setTimeout(() => settle(() => reject(new Error(`nvidia-smi gave no answer within ${this.timeoutMs} ms`))), this.timeoutMs + 100);
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const child = execFile(
        this.opts.command,
        NVIDIA_SMI_MEMORY_ARGS,
        { timeout: this.timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024, encoding: "utf8" },
        (err, stdout, stderr) => {
          settle(() => {
            if (err) reject(new Error(`nvidia-smi failed: ${(stderr.trim() || stdout.trim() || err.message).slice(0, 200)}`));
            else {
              try {
                resolve(parseNvidiaSmiMemory(stdout));
              } catch (parseErr) {
                reject(parseErr as Error);
              }
            }
          });
        },
      );
      // The next run waits for this process's real exit, not for the answer.
      this.child = child;
      const gone = () => {
        if (this.child === child) this.child = null;
      };
      child.once("exit", gone).once("error", gone);
    });
  }
}

/**
 * Sets up GPU memory sampling for a worker: on with `nvidia-smi` on `PATH` and a first
 * run that reads at least one GPU, off otherwise (CPU hosts). Logs one line either way
 * and never throws. When off at start it stays off until the worker restarts, so a
 * CPU host never runs a failing nvidia-smi on every scrape.
 * @returns the sampler, or null when GPU metrics are off
 */
export async function startGpuSampler(
  logger: Logger,
  opts: Omit<GpuSamplerOptions, "command" | "logger"> & { path?: string } = {},
): Promise<GpuMemorySampler | null> {
  const command = await findOnPath("nvidia-smi", opts.path);
  if (!command) {
    logger.info("GPU metrics off: nvidia-smi is not on PATH (CPU host)");
    return null;
  }
  const sampler = new GpuMemorySampler({ ...opts, command, logger });
  try {
    const readings = await sampler.sample();
    logger.info({ nvidia_smi: command, gpus: readings.map((r) => r.gpuId) }, "GPU metrics on: GPU memory read from nvidia-smi at scrape time");
    return sampler;
  } catch (err) {
    logger.info({ nvidia_smi: command, err: (err as Error).message }, "GPU metrics off: nvidia-smi is on PATH but failed");
    return null;
  }
}
