import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { checkRedisServer } from "@voxqueue/runtime";
import { freePort, startApp, until, type AppProcess } from "@voxqueue/e2e";
import { startRedisServer, type RedisServer } from "../src/index.js";

const servers: RedisServer[] = [];
const clients: Redis[] = [];
const apps: AppProcess[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => s.destroy()));
});

async function server(opts: Parameters<typeof startRedisServer>[0]): Promise<{ server: RedisServer; redis: Redis }> {
  const s = await startRedisServer(opts);
  servers.push(s);
  const redis = new Redis(s.url());
  clients.push(redis);
  return { server: s, redis };
}

describe("checkRedisServer (CONFIG GET maxmemory-policy, appendonly)", () => {
  it("is content with noeviction and AOF", async () => {
    const { redis } = await server({});
    expect(await checkRedisServer(redis)).toEqual({ settings: { "maxmemory-policy": "noeviction", appendonly: "yes" }, warnings: [] });
  });

  it("warns about an evicting policy and a server without AOF", async () => {
    const { redis } = await server({ appendonly: false, args: ["--maxmemory-policy", "allkeys-lru"] });
    const { settings, warnings } = await checkRedisServer(redis);
    expect(settings).toEqual({ "maxmemory-policy": "allkeys-lru", appendonly: "no" });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/maxmemory-policy is "allkeys-lru", not "noeviction"/);
    expect(warnings[1]).toMatch(/appendonly is "no", not "yes": a Redis restart loses every queued job/);
  });

  it("tolerates a server where CONFIG is disabled: a warning per setting it cannot verify", async () => {
    const { redis } = await server({ args: ["--rename-command", "CONFIG", ""] });
    const { settings, warnings } = await checkRedisServer(redis);
    expect(settings).toEqual({});
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/^cannot read Redis setting .* \(ERR unknown command/);
  });

  it("is logged by the API at start-up", async () => {
    const { server: s } = await server({ appendonly: false });
    const api = startApp("api", { REDIS_URL: s.url(), PORT: String(await freePort()), HOST: "127.0.0.1" });
    apps.push(api);
    const line = await until("the API's warning", async () => api.logs().find((l) => l.level === "warn" && /appendonly/.test(String(l.msg))), 30_000);
    expect(line.redis_settings).toEqual({ "maxmemory-policy": "noeviction", appendonly: "no" });
  });
});
