import { BOS, EOS, PAD, type PiperVoiceConfig } from "./voice-config.js";

/**
 * piper-phonemize's built-in phoneme maps by espeak voice (`DEFAULT_PHONEME_MAP` in
 * `phonemize.cpp`), used when a config has no `phoneme_map` of its own.
 */
const DEFAULT_PHONEME_MAPS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  "pt-br": { c: ["k"] },
};

/** Phoneme ids of one sentence, and the phonemes the voice has no id for. */
export interface PhonemeIds {
  /** `^`, `_`, then each phoneme's id(s) each followed by `_`, then `$`. */
  ids: number[];
  /** Phonemes missing from `phoneme_id_map` (skipped), with how often each occurred. */
  missing: Map<string, number>;
}

/**
 * One sentence's phonemes → model input ids, with Piper's rules (piper-phonemize
 * `phoneme_ids.cpp`; piper1-gpl `phoneme_ids.py`): BOS `^` and a pad `_`, each phoneme's
 * id(s) each followed by a pad, then EOS `$` (no pad after it). The config's `phoneme_map`
 * (or Piper's default map for its espeak voice) is applied first. A phoneme missing from
 * `phoneme_id_map` is skipped and counted, so the caller can warn once per phoneme; no
 * known phoneme gives `[^, _, $]`.
 *
 * @param phonemes one sentence, as from `phonemize` (single code points)
 * @param config the voice whose `phoneme_id_map` (and `phoneme_map`) to use
 */
export function phonemeIds(phonemes: readonly string[], config: PiperVoiceConfig): PhonemeIds {
  const idMap = config.phoneme_id_map;
  const special = (symbol: string): readonly number[] => {
    const ids = own(idMap, symbol);
    // parseVoiceConfig guarantees ^ _ $; a hand-built config may not.
    if (!ids) throw new RangeError(`phoneme_id_map has no "${symbol}"`);
    return ids;
  };
  const pad = special(PAD);
  const phonemeMap = Object.keys(config.phoneme_map ?? {}).length > 0 ? config.phoneme_map : DEFAULT_PHONEME_MAPS[config.espeak.voice];

  const ids: number[] = [...special(BOS), ...pad];
  const missing = new Map<string, number>();
  for (const phoneme of phonemes) {
    for (const mapped of (phonemeMap && own(phonemeMap, phoneme)) ?? [phoneme]) {
      const mappedIds = own(idMap, mapped);
      if (!mappedIds) {
        missing.set(mapped, (missing.get(mapped) ?? 0) + 1);
        continue;
      }
      ids.push(...mappedIds, ...pad);
    }
  }
  ids.push(...special(EOS));
  return { ids, missing };
}

/** A record's own value for a key: phonemes such as `constructor` must not hit Object.prototype. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
