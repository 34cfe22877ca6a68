import { BOS, EOS, PAD, type PiperVoiceConfig } from "../voice-config.js";

/** Phonemes that end a clause inside a sentence (espeak keeps them in Piper's phoneme strings). */
const CLAUSE_PHONEMES = [",", ";", ":"] as const;

/** Phonemes each side of a split must keep, so neither part is a lone word fragment. */
const MIN_PHONEMES_EACH_SIDE = 8;

/**
 * Splits one sentence's phoneme ids after its first clause punctuation (`,` `;` `:`)
 * that leaves at least {@link MIN_PHONEMES_EACH_SIDE} phonemes on each side, so the
 * first audio of a long sentence is ready sooner. Each part is a complete model input:
 * the first ends with EOS, the second starts with BOS and a pad (a leading word space is
 * dropped). Ids are in Piper's layout (`^ _ p _ p _ ... $`, see `phonemeIds`).
 * @returns the two parts, or null when the sentence has no such boundary (or a voice's
 *   map lacks the punctuation)
 */
export function splitAtFirstClause(ids: readonly number[], config: PiperVoiceConfig): [number[], number[]] | null {
  const map = config.phoneme_id_map;
  const single = (symbol: string): number | undefined => (Object.hasOwn(map, symbol) && map[symbol]!.length === 1 ? map[symbol]![0] : undefined);
  const [bos, pad, eos, space] = [single(BOS), single(PAD), single(EOS), single(" ")];
  if (bos === undefined || pad === undefined || eos === undefined) return null;
  const clause = new Set(CLAUSE_PHONEMES.map(single).filter((id) => id !== undefined));
  if (clause.size === 0) return null;
  // After `^ _`, each phoneme's id(s) are followed by a pad; ids end with EOS. A phoneme
  // costs two ids, so lengths stand in for phoneme counts.
  const minIds = 2 * MIN_PHONEMES_EACH_SIDE;
  for (let at = 2 + minIds - 2; at < ids.length - 2; at++) {
    if (!clause.has(ids[at]!) || ids[at + 1] !== pad) continue;
    let restFrom = at + 2;
    if (ids[restFrom] === space && ids[restFrom + 1] === pad) restFrom += 2;
    if (ids.length - 1 - restFrom < minIds) return null;
    return [
      [...ids.slice(0, at + 2), eos],
      [bos, pad, ...ids.slice(restFrom)],
    ];
  }
  return null;
}
