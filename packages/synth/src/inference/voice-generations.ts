import type { VoiceFiles } from "../voice.js";

/** One loaded version of a voice's files: the session key the inference threads know it by. */
export interface VoiceGeneration {
  id: string;
  key: string;
  voice: VoiceFiles;
  /** Synthesis in flight on this generation (see {@link VoiceGenerations.hold}). */
  holds: number;
  /** Replaced or removed: released as soon as no synthesis holds it. */
  retired: boolean;
}

/** A synthesis's claim on one generation of a voice: its sessions stay loaded until `release`. */
export interface VoiceHold {
  readonly voiceId: string;
  /** The session key every sentence of the synthesis runs on. */
  readonly key: string;
  /** Gives the claim up (idempotent). */
  release(): void;
}

/**
 * Bookkeeping of hot voice reload (no I/O): which generation of each voice new work
 * gets, and reference counts so a replaced or removed generation stays loaded until the
 * last synthesis started on it ends. `onDrop(key)` is called once per generation that is
 * retired and held by nothing: the caller releases its sessions then.
 */
export class VoiceGenerations {
  private readonly byKey = new Map<string, VoiceGeneration>();
  private readonly current = new Map<string, string>();
  private next = 0;

  constructor(private readonly onDrop: (generation: VoiceGeneration) => void) {}

  /** A new, not yet current generation of `voice` (current once {@link activate}d). */
  create(voice: VoiceFiles): VoiceGeneration {
    const generation: VoiceGeneration = { id: voice.id, key: `${voice.id}@${this.next++}`, voice, holds: 0, retired: false };
    this.byKey.set(generation.key, generation);
    return generation;
  }

  /** Makes `key` the generation new work on its voice gets; the one it replaces is retired. */
  activate(key: string): void {
    const generation = this.byKey.get(key);
    if (!generation) throw new Error(`internal: unknown voice generation ${key}`);
    const old = this.current.get(generation.id);
    this.current.set(generation.id, key);
    if (old !== undefined && old !== key) this.retire(old);
  }

  /** Forgets a generation that never became current (its load failed). */
  discard(key: string): void {
    if (![...this.current.values()].includes(key)) this.byKey.delete(key);
  }

  /** Removes voice `id`: new work can no longer get it; its generation is retired. False when it was not loaded. */
  remove(id: string): boolean {
    const key = this.current.get(id);
    if (key === undefined) return false;
    this.current.delete(id);
    this.retire(key);
    return true;
  }

  /** The current generation's key of voice `id`, if loaded. */
  currentKey(id: string): string | undefined {
    return this.current.get(id);
  }

  /** Voice ids new work can get, in load order. */
  ids(): string[] {
    return [...this.current.keys()];
  }

  /** Every generation still loaded (current ones and retired ones still held). */
  loaded(): VoiceGeneration[] {
    return [...this.byKey.values()];
  }

  /**
   * Claims the generation of `voice` for one synthesis: the generation loaded from this
   * very `VoiceFiles` object while it is still loaded (so a config read before a reload
   * runs on its own model), else the current generation of `voice.id`.
   * @throws Error when the voice is not loaded
   */
  hold(voice: VoiceFiles): VoiceHold {
    const own = [...this.byKey.values()].find((g) => g.voice === voice);
    const key = own?.key ?? this.current.get(voice.id);
    const generation = key === undefined ? undefined : this.byKey.get(key);
    if (!generation) throw new Error(`voice ${voice.id} is not loaded`);
    generation.holds++;
    let released = false;
    return {
      voiceId: generation.id,
      key: generation.key,
      release: () => {
        if (released) return;
        released = true;
        generation.holds--;
        if (generation.retired && generation.holds === 0) this.drop(generation);
      },
    };
  }

  private retire(key: string): void {
    const generation = this.byKey.get(key);
    if (!generation) return;
    generation.retired = true;
    if (generation.holds === 0) this.drop(generation);
  }

  private drop(generation: VoiceGeneration): void {
    if (!this.byKey.delete(generation.key)) return;
    this.onDrop(generation);
  }
}
