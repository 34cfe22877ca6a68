import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PATHS } from "../../../infra/test/lib/paths.js";
import { freePort, until } from "./processes.js";

/** One sample of an instant vector from Prometheus' HTTP API. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** A Prometheus server started by a test, with its own port and TSDB directory. */
export interface PrometheusServer {
  url: string;
  /** `GET /api/v1/query` (instant query, now). @throws when Prometheus answers with an error */
  query(expr: string): Promise<PromSample[]>;
  /** `GET /api/v1/series`: every label set matching `match` seen since `startSeconds`. */
  series(match: string, startSeconds: number): Promise<Record<string, string>[]>;
  /** What Prometheus printed (its own log), for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Scrape targets (host:port) of {@link startPrometheus}. */
export interface PrometheusTargets {
  api: string;
  workers: string[];
}

/**
 * Throws unless Debian's `prometheus` binary is on PATH: tests that need the real
 * server fail with what to install instead of skipping.
 */
export function requirePrometheus(): void {
  const r = spawnSync("prometheus", ["--version"], { encoding: "utf8" });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new Error(
      "prometheus not found on PATH: install Debian's `prometheus` package (apt-get install -y prometheus); this test needs the real server and never skips",
    );
  }
  if (r.error) throw r.error;
}

/** `infra/prometheus/prometheus.local.yml.tmpl` with the repository's rule files and these targets. */
export async function renderLocalConfig(targets: PrometheusTargets): Promise<string> {
  return (await readFile(PATHS.prometheusLocalTemplate, "utf8"))
    .replaceAll("${RULES_DIR}", PATHS.rulesDir)
    .replaceAll("${API_TARGET}", targets.api)
    .replaceAll("${WORKER_TARGETS}", targets.workers.map((w) => `'${w}'`).join(", "));
}

/**
 * Starts Debian's `prometheus` on a free 127.0.0.1 port with the local template (1 s
 * scrape and rule evaluation, the repository's recording and alerting rules) and a
 * throw-away TSDB, and waits until it is ready.
 */
export async function startPrometheus(targets: PrometheusTargets): Promise<PrometheusServer> {
  requirePrometheus();
  const dir = await mkdtemp(join(tmpdir(), "vq-e2e-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, await renderLocalConfig(targets));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    "prometheus",
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, "data")}`, "--log.level=warn"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const server: PrometheusServer = {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== "vector") throw new Error(`${expr}: expected an instant vector, got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    series: (match, startSeconds) => api<Record<string, string>[]>(`/api/v1/series?match[]=${encodeURIComponent(match)}&start=${startSeconds}`),
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      until("Prometheus /-/ready", async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 120_000),
      exited.then(() => Promise.reject(new Error(`prometheus exited (${child.exitCode ?? child.signalCode}): ${out}`))),
    ]);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
