import { randomBytes } from "node:crypto";
import { appendFile, readFile, rename, writeFile } from "node:fs/promises";
import { API_KEY_PREFIX, ApiKeysFileError, formatApiKeyLine, hashApiKey, parseApiKeysFile, type ApiKeyEntry } from "@voxqueue/contracts";

/** Something the user can fix (a duplicate name, a malformed file): exit 2 with this message. */
export class KeysFileProblem extends Error {
  override readonly name = "KeysFileProblem";
}

/** Random bytes of a new key (256 bits), written base64url after {@link API_KEY_PREFIX}. */
const KEY_BYTES = 32;

/** A new random API key: `vq_` and 43 base64url characters. */
export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString("base64url")}`;
}

/** The API keys file: `NAME:SHA256_HEX` lines (see `parseApiKeysFile`), created with mode 0600. */
export class KeysFile {
  constructor(readonly path: string) {}

  private async text(): Promise<string> {
    return readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return "";
      throw err;
    });
  }

  /** @throws KeysFileProblem when the file is malformed */
  async read(): Promise<ApiKeyEntry[]> {
    try {
      return parseApiKeysFile(await this.text());
    } catch (err) {
      if (err instanceof ApiKeysFileError) throw new KeysFileProblem(`${this.path}: ${err.message}; fix it first`);
      throw err;
    }
  }

  /**
   * Makes a key for `name` and appends its line; returns the key (the only time it exists outside the caller).
   * @throws KeysFileProblem when `name` already has a key or the file is malformed
   */
  async add(name: string): Promise<string> {
    const text = await this.text();
    if ((await this.read()).some((e) => e.name === name))
      throw new KeysFileProblem(`a key named "${name}" exists already (pnpm keys remove ${name} first to replace it)`);
    const key = newApiKey();
    const line = formatApiKeyLine({ name, sha256: hashApiKey(key) });
    await appendFile(this.path, `${text === "" || text.endsWith("\n") ? "" : "\n"}${line}\n`, { mode: 0o600 });
    return key;
  }

  /**
   * Removes `name`'s line (other lines, comments included, stay as they are); the file is replaced in one rename.
   * @throws KeysFileProblem when there is no key `name`
   */
  async remove(name: string): Promise<void> {
    if (!(await this.read()).some((e) => e.name === name)) throw new KeysFileProblem(`no key named "${name}" in ${this.path}`);
    const kept = (await this.text()).split("\n").filter((line) => line.trim().slice(0, line.trim().lastIndexOf(":")) !== name || line.trim().startsWith("#"));
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, kept.join("\n"), { mode: 0o600 });
    await rename(temp, this.path);
  }
}
