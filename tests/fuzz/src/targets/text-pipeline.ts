// Fuzz target: the worker's text front end, prepareText (normalize → sentence split →
// phonemize with espeak-ng → phoneme ids), as Synthesis runs it for every job. Promises: it
// returns well-formed, bounded model inputs or throws SsmlError or EspeakCrashError (both
// answered invalid_input; espeak-ng runs in its own process, ESPEAK_ISOLATION=process);
// nothing else is thrown.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EspeakCrashError, SsmlError, parseVoiceConfig, prepareText, type PiperVoiceConfig } from "@voxqueue/synth";
import { FuzzFindingError, FuzzInput } from "../fuzz-input.js";

/**
 * Most phoneme ids one character of text may give, over all sentences. Prose gives about 2
 * (each phoneme and its pad); the most seen is about 65: espeak's English voice spells a
 * letter of a script it cannot read by name and code ("ڊ", U+068A: "Arabic letter six eight
 * A", 51 ids). Past this, a short text could ask the model for audio out of all proportion.
 */
export const MAX_IDS_PER_CHAR = 128;

const synthDir = join(dirname(createRequire(import.meta.url).resolve("@voxqueue/synth")), "..");
/** The voice the synth package's own tests use (Piper's en_US lessac, espeak voice en-us). */
const voice: PiperVoiceConfig = parseVoiceConfig(JSON.parse(readFileSync(join(synthDir, "test", "fixtures", "en_US-lessac-medium.onnx.json"), "utf8")));
const knownIds = new Set(Object.values(voice.phoneme_id_map).flat());

const MODES = ["standard", "piper"] as const;
const TYPES = [undefined, "text", "ssml"] as const;

/** Jazzer.js's entry: byte 0 picks the normalization, byte 1 the text type; the rest is the text. */
export function fuzz(data: Buffer): void {
  const input = new FuzzInput(data);
  const textNormalization = input.pick(MODES);
  const textType = input.pick(TYPES);
  const text = input.string({ rest: true });
  let prepared;
  try {
    prepared = prepareText(text, voice, { textNormalization, textType });
  } catch (err) {
    if (err instanceof SsmlError || err instanceof EspeakCrashError) return;
    throw err;
  }
  let ids = 0;
  for (const sentence of prepared.sentences) {
    if (sentence.length <= 3) throw new FuzzFindingError(`a sentence of ${sentence.length} ids (BOS, pad, EOS only) was kept`);
    for (const id of sentence) if (!knownIds.has(id)) throw new FuzzFindingError(`phoneme id ${id} is not in the voice's map`);
    ids += sentence.length;
  }
  if (ids > MAX_IDS_PER_CHAR * Math.max(1, text.length))
    throw new FuzzFindingError(`${ids} phoneme ids from ${text.length} characters (over ${MAX_IDS_PER_CHAR} a character)`);
  if (prepared.sentenceOptions.length !== prepared.sentences.length) throw new FuzzFindingError("sentenceOptions and sentences differ in length");
  for (const { pauseBeforeSeconds, rate } of prepared.sentenceOptions) {
    if (pauseBeforeSeconds !== undefined && !(pauseBeforeSeconds >= 0 && Number.isFinite(pauseBeforeSeconds)))
      throw new FuzzFindingError(`pause ${pauseBeforeSeconds} s`);
    if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) throw new FuzzFindingError(`speaking rate ${rate}`);
  }
}
