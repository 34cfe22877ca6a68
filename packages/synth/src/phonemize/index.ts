export { phonemize } from "./raw-phonemes.js";
export { phonemizeEspeak, phonemizeEspeakInProcess } from "./espeak-phonemizer.js";
export { phonemizeCodepoints, type Casing } from "./codepoints.js";
export { clauseEnd, type ClauseEnd } from "./clause-end.js";
export { type ClauseKind } from "./clause-punctuation.js";
export { EspeakNotFoundError, EspeakError, EspeakCrashError, ESPEAK_INSTALL_HINT } from "./errors.js";
export { espeakIsolation, type EspeakIsolation } from "./espeak-isolated.js";
export { EspeakEngine, espeakEngine, espeakLocationFromEnv, type EspeakLocation, type RawClause } from "./espeak-library.js";
import { espeakEngine } from "./espeak-library.js";

/**
 * The loaded espeak-ng's version (e.g. `1.51`) and data folder (`espeak_Info`); loads and
 * initialises the library on first use.
 * @throws EspeakNotFoundError when libespeak-ng or its data is missing
 */
export function espeakInfo(): { version: string; dataPath: string } {
  const engine = espeakEngine();
  return { version: engine.version, dataPath: engine.dataPath };
}
