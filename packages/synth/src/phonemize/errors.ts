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
