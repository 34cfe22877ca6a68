import { createHash } from "node:crypto";

/**
 * The API keys file (`API_KEYS_FILE`): one key a line, `NAME:SHA256_HEX_OF_KEY`; blank
 * lines and lines starting with `#` are ignored. Only hashes are stored; the key itself
 * is shown once, by `pnpm keys add NAME`. The API reads the file, `pnpm keys` writes it.
 */

/** A key's name: what logs, spans and job ownership show (never the key). 1–64 characters. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What a name must look like, for error messages. */
export const API_KEY_NAME_RULE = "1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit";

/** Prefix of the keys `pnpm keys add` makes (so a leaked one is recognisable in a scan). */
export const API_KEY_PREFIX = "vq_";

/** One line of the keys file. */
export interface ApiKeyEntry {
  name: string;
  /** SHA-256 of the key's UTF-8 bytes, 64 lower-case hex digits. */
  sha256: string;
}

/** A keys file that cannot be read as such; the message names the line. */
export class ApiKeysFileError extends Error {
  override readonly name = "ApiKeysFileError";
}

/** SHA-256 hex of a key, as the keys file stores it. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The keys file line of `entry` (without the line break). */
export function formatApiKeyLine(entry: ApiKeyEntry): string {
  return `${entry.name}:${entry.sha256}`;
}

/**
 * Parses a keys file.
 * @throws ApiKeysFileError on the first malformed line, duplicate name or duplicate hash (naming the line, never its hash)
 */
export function parseApiKeysFile(text: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const at = `line ${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    const colon = line.lastIndexOf(":");
    const name = line.slice(0, colon);
    const sha256 = line.slice(colon + 1).toLowerCase();
    if (colon < 0 || !API_KEY_NAME_PATTERN.test(name)) throw new ApiKeysFileError(`${at}: expected NAME:SHA256_HEX with NAME of ${API_KEY_NAME_RULE}`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ApiKeysFileError(`${at} (${name}): the hash must be 64 hex digits (SHA-256 of the key)`);
    if (names.has(name)) throw new ApiKeysFileError(`${at}: the name ${name} appears twice`);
    if (hashes.has(sha256)) throw new ApiKeysFileError(`${at} (${name}): the same key hash appears twice`);
    names.add(name);
    hashes.add(sha256);
    entries.push({ name, sha256 });
  });
  return entries;
}
