import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { AudioCache, AudioStore } from "@voxqueue/audio-store";
import type { ApiConfig } from "@voxqueue/config";
import type { FleetRegistry } from "@voxqueue/fleet";
import type { ApiMetrics, Logger, Tracer } from "@voxqueue/telemetry";
import type { JobEventHub } from "./job-events.js";
import type { RedisSafety } from "./redis-safety.js";
import type { QueuePool, SynthQueue } from "./queues.js";
import type { KeyStore } from "./security/key-store.js";

/** What {@link createApp} needs; `main.ts` builds them from the environment, tests from their own. */
export interface AppDeps {
  /** Parsed settings (`parseApiEnv`). */
  config: ApiConfig;
  /** The queue named `QUEUE_NAME` (the default pool's); `queues` opens the others next to it. */
  queue: SynthQueue;
  /**
   * Every queue the API reads and writes (one per voice pool, `VOICE_POOLS`); default: a
   * pool around `queue` on `redis` with the config's pools (its owner closes it).
   */
  queues?: QueuePool;
  /** Connection for the catalog, heartbeats, audio and readiness; best with `enableOfflineQueue: false` so an outage fails fast. */
  redis: Redis;
  audioStore: AudioStore;
  /** Audio cache of repeated requests; default: one on `redis` with AUDIO_CACHE_MAX_BYTES and AUDIO_CACHE_TTL_SECONDS. */
  audioCache?: AudioCache;
  fleet: FleetRegistry;
  /** Metrics from `createApiMetrics`, registered on `registry`. */
  metrics: ApiMetrics;
  /** The registry `GET /metrics` serves. */
  registry: Registry;
  logger: Logger;
  /**
   * The one subscriber to the queue's events behind `?wait=` and `/events` (its owner
   * closes it); default: one made on the first such request, on a connection of its own.
   */
  jobEvents?: JobEventHub;
  /** API keys (`API_KEYS_FILE`): every `/v1` route then needs one, and a job is visible only to its key. Absent: the API runs open. */
  keys?: KeyStore;
  /** Tracer of the request and producer spans; default: the global provider's (`startTracing`), a no-op when tracing is off. */
  tracer?: Tracer;
  /** Redis settings and memory watch (`main.ts` starts one); without it neither /readyz nor submits check them. */
  redisSafety?: RedisSafety;
}
