import { setImmediate as nextTurn } from "node:timers/promises";
import { normalizeForSpeech, spokenSentences, textLanguageFor, type SpokenSentence, type TextLanguage } from "./normalize/index.js";
import type { TextVoice } from "./read-text.js";

/** Longest stretch of reading without giving the event loop a turn, ms. */
const SLICE_MS = 20;

/**
 * Splits a long text into chunk texts of about `targetChars` characters each, at the sentence
 * boundaries of the `standard` front end (`normalizeForSpeech`, the split `readText` makes), for
 * long-form jobs: each chunk is synthesized on its own and the audio joined with the sentence
 * silence between chunks.
 *
 * The audio is the same as the whole text's only if each chunk, read on its own, gives exactly
 * the sentences (their spoken forms) the whole text gives there; a boundary whose chunk reads
 * differently (a rule that looks past a sentence's end, such as a list line's full stop) is moved
 * to the next sentence end until it does, and a last chunk that reads differently joins the one
 * before it. Each chunk is `text.slice(first sentence's start, last sentence's end)`.
 *
 * The text is read twice (whole, then chunk by chunk): about 20 ms of CPU per 1,000 characters,
 * given back to the event loop every {@link SLICE_MS} ms. Plain text in `standard` mode only:
 * `piper` mode cuts 600-byte pieces after cleaning the text, and SSML is one document.
 * @param targetChars a chunk grows by whole sentences while it stays within this many UTF-16
 *   code units; a longer sentence is a chunk of its own
 * @returns the chunks in order; none when the text has nothing to say
 */
export async function splitLongText(text: string, voice: TextVoice, targetChars: number): Promise<string[]> {
  const language = textLanguageFor(voice.espeakVoice, voice.languageCode);
  const slice = new Slicer();
  const sentences: SpokenSentence[] = [];
  for (const sentence of spokenSentences(text, language)) {
    sentences.push(sentence);
    await slice.turn();
  }
  /** First sentence of each chunk. */
  const starts: number[] = [];
  let first = 0;
  while (first < sentences.length) {
    let end = first + 1;
    while (end < sentences.length && sentences[end]!.end - sentences[first]!.start <= targetChars) end++;
    // Move the boundary on until the chunk reads as the whole text does there.
    while (end < sentences.length && !readsAlike(text, sentences, first, end, language)) {
      end++;
      await slice.turn();
    }
    // The last chunk cannot move its end: it joins the chunk before it instead.
    while (end === sentences.length && starts.length > 0 && !readsAlike(text, sentences, first, end, language)) {
      first = starts.pop()!;
      await slice.turn();
    }
    starts.push(first);
    first = end;
    await slice.turn();
  }
  return starts.map((start, i) => text.slice(sentences[start]!.start, sentences[(starts[i + 1] ?? sentences.length) - 1]!.end));
}

/** Whether `sentences[first..end)`'s text, read on its own, gives the same spoken sentences. */
function readsAlike(text: string, sentences: readonly SpokenSentence[], first: number, end: number, language: TextLanguage | undefined): boolean {
  const alone = normalizeForSpeech(text.slice(sentences[first]!.start, sentences[end - 1]!.end), language).sentences;
  if (alone.length !== end - first) return false;
  return alone.every((s, i) => s.spoken === sentences[first + i]!.spoken);
}

/** Gives the event loop a turn once {@link SLICE_MS} have passed since the last one. */
class Slicer {
  private since = performance.now();
  async turn(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await nextTurn();
    this.since = performance.now();
  }
}
