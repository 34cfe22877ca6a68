import { existsSync } from "node:fs";
import { join } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { EspeakError, EspeakNotFoundError } from "./errors.js";

/** `espeak_AUDIO_OUTPUT.AUDIO_OUTPUT_SYNCHRONOUS` (speak_lib.h), as Piper initialises espeak. */
const AUDIO_OUTPUT_SYNCHRONOUS = 2;
/** `espeakINITIALIZE_DONT_EXIT`: without it a failed initialisation calls `exit(1)`. */
const INITIALIZE_DONT_EXIT = 0x8000;
/** `espeakCHARS_AUTO`: UTF-8 (or 8-bit when invalid), the text mode Piper passes. */
const CHARS_AUTO = 0;
/** `espeakPHONEMES_IPA`: the phoneme mode Piper passes (`0x02`). */
const PHONEMES_IPA = 0x02;

/** Library names tried, in order, when `ESPEAK_NG_LIB` is not set. */
const DEFAULT_LIBRARY_NAMES = [
  "libespeak-ng.so.1",
  "libespeak-ng.so",
  "/usr/lib/x86_64-linux-gnu/libespeak-ng.so.1",
  "/usr/lib/aarch64-linux-gnu/libespeak-ng.so.1",
  "libespeak-ng.1.dylib",
  "/opt/homebrew/lib/libespeak-ng.dylib",
  "/usr/local/lib/libespeak-ng.dylib",
];

/** Where to find libespeak-ng; both fields come from the environment by default. */
export interface EspeakLocation {
  /** Path or soname of libespeak-ng (`ESPEAK_NG_LIB`); unset: the usual names. */
  library?: string;
  /** The `espeak-ng-data` folder, or the folder that holds it (`ESPEAK_NG_DATA`); unset: espeak's built-in default. */
  dataPath?: string;
}

/**
 * Reads `ESPEAK_NG_LIB` and `ESPEAK_NG_DATA` from an environment (empty values count as unset).
 * @param env the environment to read, `process.env` by default
 */
export function espeakLocationFromEnv(env: NodeJS.ProcessEnv = process.env): EspeakLocation {
  const library = env.ESPEAK_NG_LIB?.trim();
  const dataPath = env.ESPEAK_NG_DATA?.trim();
  return { ...(library ? { library } : {}), ...(dataPath ? { dataPath } : {}) };
}

/** One `espeak_TextToPhonemes` call: a clause's IPA and the UTF-8 bytes it advanced over. */
export interface RawClause {
  /** IPA phonemes of the clause, as espeak returned them (not yet NFD). */
  phonemes: string;
  /** Byte offset (in the UTF-8 text) where this call started reading. */
  startByte: number;
  /** Byte offset where espeak left its text pointer; the text length at the end. */
  endByte: number;
  /** True for the last clause: espeak set the text pointer to NULL. */
  atEnd: boolean;
}

/**
 * A loaded, initialised libespeak-ng. espeak-ng keeps one global state per process and is
 * not thread-safe: use it from one thread, one call at a time (see {@link espeakEngine}).
 */
export class EspeakEngine {
  readonly version: string;
  readonly dataPath: string;
  private currentVoice: string | undefined;
  private readonly setVoiceByName: (name: string) => number;
  private readonly textToPhonemes: (textPtr: unknown[], textMode: number, phonemeMode: number) => string | null;

  /** @throws EspeakNotFoundError when the library or its data cannot be loaded */
  constructor(location: EspeakLocation = espeakLocationFromEnv()) {
    const lib = openLibrary(location.library);
    const initialize = lib.func("int espeak_Initialize(int output, int buflength, const char *path, int options)");
    const info = lib.func("const char *espeak_Info(_Out_ const char **path)");
    this.setVoiceByName = lib.func("int espeak_SetVoiceByName(const char *name)");
    this.textToPhonemes = lib.func("const char *espeak_TextToPhonemes(_Inout_ void **textptr, int textmode, int phonememode)");

    const dataArg = location.dataPath === undefined ? null : checkDataPath(location.dataPath);
    if (initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, dataArg, INITIALIZE_DONT_EXIT) < 0) {
      throw new EspeakNotFoundError("espeak-ng could not load its espeak-ng-data", [dataArg ?? "espeak's default data path"]);
    }
    const pathOut: (string | null)[] = [null];
    this.version = String(info(pathOut));
    this.dataPath = pathOut[0] ?? "";
  }

  /**
   * Selects an espeak voice by name (`espeak_SetVoiceByName`). It is selected again even when
   * it is the current one: espeak leaves state behind after reading a letter of another
   * alphabet (after `ꪁ`, U+AA81, English letter names came out as `ˈʌ, bˈʌ` for every later
   * text until another voice was selected; bootphon/phonemizer#133), and selecting the voice
   * reloads it. This costs about 0.1 ms. @throws EspeakError for a voice espeak does not know
   */
  setVoice(voice: string): void {
    this.currentVoice = undefined;
    if (this.setVoiceByName(voice) !== 0) throw new EspeakError(`Failed to set eSpeak-ng voice "${voice}"`, voice);
    this.currentVoice = voice;
  }

  /**
   * Runs `espeak_TextToPhonemes` clause by clause over `utf8` (which must not contain NUL
   * bytes), as piper-phonemize does, and reports where each call left the text pointer.
   * With `reselectEachClause`, the current voice is selected again before every clause after
   * the first, so a foreign letter in one clause cannot change how the next is read (Piper
   * does not do this: off for Piper-exact output).
   */
  clauses(utf8: Uint8Array, options: { reselectEachClause?: boolean } = {}): RawClause[] {
    const size = utf8.length + 1;
    const buffer = koffi.alloc("uint8_t", size);
    const out: RawClause[] = [];
    try {
      const view = new Uint8Array(koffi.view(buffer, size));
      view.set(utf8);
      view[utf8.length] = 0;
      const base = koffi.address(buffer);
      const textPtr: unknown[] = [buffer];
      let startByte = 0;
      while (textPtr[0] !== null && textPtr[0] !== undefined) {
        if (options.reselectEachClause && out.length > 0 && this.currentVoice) this.setVoiceByName(this.currentVoice);
        const phonemes = this.textToPhonemes(textPtr, CHARS_AUTO, PHONEMES_IPA) ?? "";
        const next = textPtr[0];
        const atEnd = next === null || next === undefined;
        const endByte = atEnd ? utf8.length : Math.min(utf8.length, Number(koffi.address(next) - base));
        out.push({ phonemes, startByte, endByte, atEnd });
        startByte = endByte;
      }
    } finally {
      koffi.free(buffer);
      this.flush();
    }
    return out;
  }

  /**
   * espeak's reader keeps the character it read ahead in a static variable, and can still
   * hold one (a `.` of `..`, say) when it reports the end of a text; the next text would
   * start with it. Reading empty texts consumes it, so every text starts clean, as in a
   * fresh process.
   */
  private flush(): void {
    const empty = koffi.alloc("uint8_t", 1);
    try {
      for (let i = 0; i < 4; i++) {
        new Uint8Array(koffi.view(empty, 1))[0] = 0;
        if (!this.textToPhonemes([empty], CHARS_AUTO, PHONEMES_IPA)) break;
      }
    } finally {
      koffi.free(empty);
    }
  }
}

function openLibrary(override: string | undefined): LibraryHandle {
  const candidates = override ? [override] : DEFAULT_LIBRARY_NAMES;
  const errors: unknown[] = [];
  for (const candidate of candidates) {
    try {
      return koffi.load(candidate);
    } catch (error) {
      errors.push(error);
    }
  }
  throw new EspeakNotFoundError("libespeak-ng could not be loaded", candidates, errors.at(-1));
}

/** Accepts the `espeak-ng-data` folder itself or its parent; espeak silently falls back otherwise. */
function checkDataPath(dataPath: string): string {
  for (const candidate of [dataPath, join(dataPath, "espeak-ng-data")]) {
    if (existsSync(join(candidate, "phontab"))) return candidate;
  }
  throw new EspeakNotFoundError(`ESPEAK_NG_DATA=${dataPath} holds no espeak-ng-data (no phontab)`, [dataPath, join(dataPath, "espeak-ng-data")]);
}

let engine: EspeakEngine | undefined;

/**
 * The module's espeak-ng instance, loaded and initialised on first use from
 * `ESPEAK_NG_LIB` / `ESPEAK_NG_DATA`. One per thread (module state); espeak-ng's C state is
 * process-wide, so phonemize on one thread per process.
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 */
export function espeakEngine(): EspeakEngine {
  engine ??= new EspeakEngine();
  return engine;
}
