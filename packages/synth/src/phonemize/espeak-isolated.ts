import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createSyncFn } from "synckit";
import { EspeakCrashError, EspeakError } from "./errors.js";
import { espeakEngine } from "./espeak-library.js";

/**
 * Where espeak-ng runs: `process` (the default) in a phonemizer child process, so that a
 * crash inside espeak-ng ends that process, not the API or worker; `none` in the calling
 * process, as Piper does (~0.7 ms less per text, and no child process of ~100 MiB).
 */
export type EspeakIsolation = "process" | "none";

/** What the isolation worker needs to start and drive the phonemizer process. */
export interface IsolationSetup {
  /** The child's entry file (`espeak-child.ts`). */
  childPath: string;
  /** Node options of the child: tsx's loader, as the source is TypeScript. */
  execArgv: string[];
  /** Texts one child serves before a fresh one replaces it (`ESPEAK_RECYCLE_TEXTS`). */
  recycleAfter: number;
  /** Milliseconds one text may take before the child is killed (`ESPEAK_TIMEOUT_MS`). */
  timeoutMs: number;
}

/** One text for the phonemizer process. */
export interface IsolatedRequest {
  text: string;
  voice: string;
  isolateClauses: boolean;
}

/** Its answer: sentences of phonemes, espeak's own refusal, or how the child ended twice. */
export type IsolatedReply = { sentences: string[][] } | { error: { name: string; message: string; voice?: string } } | { crashed: string };

const DEFAULT_RECYCLE_TEXTS = 10_000;
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Reads `ESPEAK_ISOLATION` (`process` by default, or `none`).
 * @throws Error naming the variable for any other value
 */
export function espeakIsolation(env: NodeJS.ProcessEnv = process.env): EspeakIsolation {
  const value = env.ESPEAK_ISOLATION?.trim() || "process";
  if (value === "process" || value === "none") return value;
  throw new Error(`ESPEAK_ISOLATION must be "process" or "none", got "${value}"`);
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

let call: ((setup: IsolationSetup, request: IsolatedRequest) => IsolatedReply) | undefined;
let setup: IsolationSetup | undefined;

/**
 * Phonemizes one text in the phonemizer process, synchronously (a worker thread drives the
 * child; this thread waits on it, as synckit does). A child that dies or hangs on a text is
 * replaced and the text tried once more in the fresh child (an earlier text may have
 * corrupted the dead one's memory); a second crash is the text's own.
 * @returns sentences of phonemes, as {@link phonemizeEspeakInProcess} gives them
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing (checked in this process first)
 * @throws EspeakError for an unknown voice
 * @throws EspeakCrashError when espeak-ng crashed on the text twice
 */
export function phonemizeIsolated(text: string, voice: string, isolateClauses: boolean): string[][] {
  if (!call || !setup) {
    espeakEngine(); // a missing library or data is reported here, with its own error
    const require = createRequire(import.meta.url);
    setup = {
      childPath: fileURLToPath(new URL("./espeak-child.ts", import.meta.url)),
      execArgv: ["--import", pathToFileURL(require.resolve("tsx/esm")).href],
      recycleAfter: positiveInt(process.env, "ESPEAK_RECYCLE_TEXTS", DEFAULT_RECYCLE_TEXTS),
      timeoutMs: positiveInt(process.env, "ESPEAK_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
    };
    call = createSyncFn(fileURLToPath(new URL("./espeak-isolation-worker.mjs", import.meta.url)));
  }
  const reply = call(setup, { text, voice, isolateClauses });
  if ("sentences" in reply) return reply.sentences;
  if ("crashed" in reply) throw new EspeakCrashError(reply.crashed, voice);
  throw new EspeakError(reply.error.message, reply.error.voice);
}
