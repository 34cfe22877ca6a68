import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { discoverVoices, type ExecutionProvider, type InferencePool, type VoiceFiles } from "@voxqueue/synth";
import type { Logger } from "@voxqueue/telemetry";
import { espeakLacks, warnNoBatching } from "./voices.js";

/** What one reload changed; ids of voices. */
export interface VoiceChange {
  /** What triggered it: `watch` (the folder changed), `signal` (SIGHUP) or a caller's word. */
  reason: string;
  added: string[];
  replaced: string[];
  removed: string[];
  /** New or changed files that were not taken (the old voice, if any, keeps serving). */
  refused: string[];
}

/** What {@link VoiceReloader} works on; `voices` and `executionProviders` are the worker's own, updated in place. */
export interface VoiceReloadDeps {
  dir: string;
  pool: InferencePool;
  voices: Map<string, VoiceFiles>;
  executionProviders: Record<string, ExecutionProvider>;
  logger: Logger;
  /** Dynamic batching is on (`BATCH_MAX_SIZE` > 1): a loaded voice that cannot batch is logged. */
  batching?: boolean;
  /** Called after a reload that added, replaced or removed a voice (the worker republishes its catalog). */
  onChange: (change: VoiceChange) => Promise<void>;
  /** Whether the worker may host voice `id` (WORKER_VOICES); others in the folder are ignored. @defaultValue every voice */
  hosts?: (id: string) => boolean;
}

/** Size, mtime and inode of a voice's two files: a copy, an edit or a rename changes it. */
async function fingerprint(voice: Pick<VoiceFiles, "onnxPath" | "configPath">): Promise<string | null> {
  try {
    const [model, config] = await Promise.all([stat(voice.onnxPath), stat(voice.configPath)]);
    return [model.ino, model.size, model.mtimeMs, config.ino, config.size, config.mtimeMs].join(":");
  } catch {
    return null; // gone meanwhile
  }
}

/**
 * Hot voice reload: compares the worker's `VOICES_DIR` with the voices it serves and
 * applies the difference without a restart. A new or changed `NAME.onnx` + `NAME.onnx.json`
 * is loaded in every inference thread and then takes over (jobs already running keep the
 * old model until they end: `InferencePool.hold`); a voice whose files are gone is
 * removed the same way; a file that does not load (a corrupt model, an invalid config, an
 * espeak voice this espeak-ng lacks) is refused with a warning, once per version of the
 * files, and the old voice keeps serving. Reloads run one at a time, from {@link watch}
 * (debounced folder events) or {@link reload} (SIGHUP).
 */
export class VoiceReloader {
  /** Fingerprints of the files each served voice was loaded from. */
  private readonly loaded = new Map<string, string | null>();
  /** Fingerprints of files refused, so one broken file is warned about once. */
  private readonly refused = new Map<string, string | null>();
  private readonly problems = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly deps: VoiceReloadDeps) {}

  /** A reloader that starts from the voices the worker loaded at start. */
  static async create(deps: VoiceReloadDeps): Promise<VoiceReloader> {
    const reloader = new VoiceReloader(deps);
    for (const voice of deps.voices.values()) reloader.loaded.set(voice.id, await fingerprint(voice));
    return reloader;
  }

  /** Reloads `debounceMs` after the folder's last change event (copies arrive in many writes). */
  watch(debounceMs: number): void {
    this.watcher = watch(this.deps.dir, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload("watch"), debounceMs);
    });
    this.watcher.on("error", (err) =>
      this.deps.logger.warn({ dir: this.deps.dir, err: err.message }, "voice folder watch failed: send SIGHUP to reload voices"),
    );
  }

  /** Applies the folder's current state (queued behind a reload in progress); never rejects. */
  reload(reason: string): Promise<VoiceChange> {
    const next = this.chain.then(() => this.reloadNow(reason));
    this.chain = next.catch(() => undefined);
    return next.catch((err: Error) => {
      this.deps.logger.warn({ dir: this.deps.dir, err: err.message }, `voice reload failed: ${err.message}`);
      return { reason, added: [], replaced: [], removed: [], refused: [] };
    });
  }

  /** Stops watching and waits for a reload in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.chain;
  }

  private async reloadNow(reason: string): Promise<VoiceChange> {
    const change: VoiceChange = { reason, added: [], replaced: [], removed: [], refused: [] };
    if (this.closed) return change;
    const { dir, pool, voices, logger } = this.deps;
    const names = new Set(await readdir(dir));
    for (const id of [...voices.keys()]) {
      if (names.has(`${id}.onnx`) && names.has(`${id}.onnx.json`)) continue;
      pool.removeVoice(id);
      voices.delete(id);
      this.loaded.delete(id);
      delete this.deps.executionProviders[id];
      change.removed.push(id);
      logger.info({ voice: id }, "voice removed: its files are gone (jobs running on it finish first)");
    }
    const found = await discoverVoices(dir);
    for (const problem of found.problems) {
      if (!this.problems.has(problem)) logger.warn({ problem }, `voice refused: ${problem}`);
    }
    this.problems.clear();
    for (const problem of found.problems) this.problems.add(problem);
    for (const voice of found.voices) {
      if (this.deps.hosts && !this.deps.hosts(voice.id)) continue;
      const print = await fingerprint(voice);
      if (this.loaded.has(voice.id) && this.loaded.get(voice.id) === print) continue;
      if (this.refused.has(voice.id) && this.refused.get(voice.id) === print) continue;
      const old = voices.has(voice.id) ? "the old one keeps serving" : "not added";
      const lacks = espeakLacks(voice);
      const failure = lacks ?? (await this.load(voice, print));
      if (failure === null) {
        (this.loaded.has(voice.id) ? change.replaced : change.added).push(voice.id);
        this.loaded.set(voice.id, print);
        this.refused.delete(voice.id);
        continue;
      }
      this.refused.set(voice.id, print);
      change.refused.push(voice.id);
      logger.warn(
        { voice: voice.id, file: voice.onnxPath, err: failure },
        `voice refused: ${lacks ? "espeak-ng does not know its language" : "its model does not load"} (${failure}); ${old}`,
      );
    }
    if (change.added.length + change.replaced.length + change.removed.length > 0) {
      logger.info({ reason, voices: [...voices.keys()], added: change.added, replaced: change.replaced, removed: change.removed }, "voices reloaded");
      await this.deps.onChange(change);
    }
    return change;
  }

  /** Loads `voice` into the pool and the worker's map; null on success, else why not. */
  private async load(voice: VoiceFiles, print: string | null): Promise<string | null> {
    const { pool, voices, logger } = this.deps;
    try {
      const added = await pool.addVoice(voice);
      for (const f of added.providerFailures)
        logger.warn({ execution_provider: f.provider, err: f.message }, `execution provider ${f.provider} unavailable, using the next one (${f.message})`);
      voices.set(voice.id, voice);
      this.deps.executionProviders[voice.id] = added.executionProvider;
      if (this.deps.batching && !added.batching) warnNoBatching(logger, voice.id);
      logger.info(
        { voice: voice.id, file: voice.onnxPath, execution_provider: added.executionProvider, load_seconds: added.loadSeconds, fingerprint: print },
        added.replaced ? "voice replaced: new jobs use the new model, jobs running on the old one finish on it" : "voice added",
      );
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
