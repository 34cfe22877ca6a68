/** What to install when libespeak-ng or its data is missing; surfaced by the start command. */
export const ESPEAK_INSTALL_HINT =
  "Install it with `apt-get install libespeak-ng1 espeak-ng-data` on Debian/Ubuntu " +
  "(`brew install espeak-ng` on macOS), or point ESPEAK_NG_LIB at libespeak-ng and " +
  "ESPEAK_NG_DATA at its espeak-ng-data folder.";

/**
 * libespeak-ng (the shared library or its `espeak-ng-data`) could not be loaded.
 * `tried` lists the library paths or data folders that were looked at.
 */
export class EspeakNotFoundError extends Error {
  override readonly name = "EspeakNotFoundError";
  constructor(
    what: string,
    readonly tried: readonly string[],
    override readonly cause?: unknown,
  ) {
    super(`${what} (tried: ${tried.join(", ") || "nothing"}). ${ESPEAK_INSTALL_HINT}`);
  }
}

/** espeak-ng rejected a call: an unknown voice name, or a failed initialisation. */
export class EspeakError extends Error {
  override readonly name = "EspeakError";
  constructor(
    message: string,
    /** The espeak voice involved, when the error is about one. */
    readonly voice?: string,
  ) {
    super(message);
  }
}

/**
 * espeak-ng crashed (a signal such as SIGSEGV, or no answer within its time limit) while
 * phonemizing a text, twice: once in the phonemizer process that was running, once in a fresh
 * one. espeak-ng 1.51 (Debian 12's) reads freed memory on some foreign-script characters
 * (e.g. `௪`, Tamil digit four, with an English voice): it switches to the other language's
 * translator, finds no name for the character there, falls back to English and frees the
 * translator it is still using. The text is answered `invalid_input`.
 */
export class EspeakCrashError extends Error {
  override readonly name = "EspeakCrashError";
  constructor(
    /** How the phonemizer process ended: a signal name (`SIGSEGV`), `exit 1`, or `timeout`. */
    readonly how: string,
    /** The espeak voice in use. */
    readonly voice?: string,
  ) {
    super(`espeak-ng crashed (${how}) phonemizing this text, also in a fresh process: it cannot be read aloud`);
  }
}
