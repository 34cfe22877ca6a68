import { timingSafeEqual } from "node:crypto";
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import { ApiKeysFileError, hashApiKey, parseApiKeysFile, type ApiKeyEntry } from "@voxqueue/contracts";
import type { Logger } from "@voxqueue/telemetry";

/** How often a watched keys file is checked for changes, ms. */
export const KEYS_FILE_POLL_MS = 2_000;

/**
 * The API keys the API accepts, by name; only their SHA-256 hashes are held. A
 * presented key is hashed and compared with every stored hash in constant time
 * (`crypto.timingSafeEqual`, no early exit), so timing tells nothing about which
 * stored hash is near.
 */
export class KeyStore {
  private entries: { name: string; hash: Buffer }[] = [];
  private watched: string | undefined;

  constructor(entries: readonly ApiKeyEntry[] = []) {
    this.replace(entries);
  }

  /**
   * Reads `path` (see `parseApiKeysFile`).
   * @throws ApiKeysFileError when the file cannot be read or a line is malformed (the message names the file)
   */
  static fromFile(path: string): KeyStore {
    return new KeyStore(readKeysFile(path));
  }

  /** How many keys are configured. */
  get size(): number {
    return this.entries.length;
  }

  /** The name of the key `key`, or null when no stored hash matches. */
  identify(key: string): string | null {
    const presented = Buffer.from(hashApiKey(key), "hex");
    let found: string | null = null;
    for (const entry of this.entries) if (timingSafeEqual(presented, entry.hash) && found === null) found = entry.name;
    return found;
  }

  /**
   * Re-reads `path` whenever it changes (polled every {@link KEYS_FILE_POLL_MS}), so
   * `pnpm keys add` and `pnpm keys remove` take effect without a restart. A file that
   * no longer parses keeps the previous keys and logs an error; {@link close} stops.
   */
  watch(path: string, logger: Logger): void {
    this.close();
    this.watched = path;
    watchFile(path, { interval: KEYS_FILE_POLL_MS }, (now: Stats, before: Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
      try {
        this.replace(readKeysFile(path));
        logger.info({ api_keys: this.size, file: path }, "API keys reloaded");
      } catch (err) {
        logger.error({ file: path, error: (err as Error).message }, "API keys file not reloaded; the previous keys stay in force");
      }
    });
  }

  /** Stops watching the file. */
  close(): void {
    if (this.watched !== undefined) unwatchFile(this.watched);
    this.watched = undefined;
  }

  private replace(entries: readonly ApiKeyEntry[]): void {
    this.entries = entries.map((e) => ({ name: e.name, hash: Buffer.from(e.sha256, "hex") }));
  }
}

function readKeysFile(path: string): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ApiKeysFileError(`API_KEYS_FILE ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return parseApiKeysFile(text);
  } catch (err) {
    throw new ApiKeysFileError(`API_KEYS_FILE ${path}: ${(err as Error).message}`);
  }
}
