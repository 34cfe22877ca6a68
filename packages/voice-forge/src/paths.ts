import { fileURLToPath } from "node:url";

/** The monorepo root, found from this file (packages/voice-forge/src), not from the cwd. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Where voices go by default: `$VOICES_DIR`, else `<repo root>/data/voices`. */
export function defaultVoicesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VOICES_DIR && env.VOICES_DIR.length > 0 ? env.VOICES_DIR : fileURLToPath(new URL("../../../data/voices", import.meta.url));
}
