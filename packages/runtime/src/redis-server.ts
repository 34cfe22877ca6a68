/**
 * The Redis server settings voxqueue relies on. Queued jobs, their results and audio
 * live only in Redis: a server that evicts keys under memory pressure drops queued
 * jobs silently, and one without the append-only file loses every job on a restart.
 */
export const EXPECTED_REDIS_SETTINGS = {
  "maxmemory-policy": "noeviction",
  appendonly: "yes",
} as const;

/** What a Redis client needs for {@link checkRedisServer} (ioredis' `Redis` has it). */
export interface RedisCommander {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** The result of {@link checkRedisServer}: the settings read, and one warning per problem. */
export interface RedisServerCheck {
  /** Setting → value; a setting that could not be read is absent. */
  settings: Partial<Record<keyof typeof EXPECTED_REDIS_SETTINGS, string>>;
  warnings: string[];
}

const CONSEQUENCES: Record<keyof typeof EXPECTED_REDIS_SETTINGS, string> = {
  "maxmemory-policy": "under memory pressure Redis may evict queued jobs, results and audio",
  appendonly: "a Redis restart loses every queued job and result",
};

/**
 * Reads `maxmemory-policy` and `appendonly` with `CONFIG GET` and warns unless they are
 * `noeviction` and `yes`. Managed services often disable or rename `CONFIG`: that is
 * a warning too (the settings cannot be verified), never an error. Never throws.
 */
export async function checkRedisServer(redis: RedisCommander): Promise<RedisServerCheck> {
  const settings: RedisServerCheck["settings"] = {};
  const warnings: string[] = [];
  for (const [name, expected] of Object.entries(EXPECTED_REDIS_SETTINGS) as [keyof typeof EXPECTED_REDIS_SETTINGS, string][]) {
    let value: string | undefined;
    try {
      const reply = await redis.call("CONFIG", "GET", name);
      // [name, value] (RESP2); empty when the setting is unknown.
      if (Array.isArray(reply) && reply.length >= 2) value = String(reply[1]);
    } catch (err) {
      warnings.push(`cannot read Redis setting ${name} (${(err as Error).message}); make sure it is ${expected}: otherwise ${CONSEQUENCES[name]}`);
      continue;
    }
    if (value === undefined) {
      warnings.push(`Redis does not report ${name}; make sure it is ${expected}: otherwise ${CONSEQUENCES[name]}`);
      continue;
    }
    settings[name] = value;
    if (value !== expected) warnings.push(`Redis ${name} is "${value}", not "${expected}": ${CONSEQUENCES[name]}`);
  }
  return { settings, warnings };
}
