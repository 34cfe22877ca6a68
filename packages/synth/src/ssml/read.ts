import type { TextLanguage } from "../normalize/language.js";
import { normalizeForSpeech, textLanguageFor, type SpokenWord } from "../normalize/index.js";
import { parseNumber, readDigits, readNumber } from "../normalize/numbers.js";
import { phonemize } from "../phonemize/index.js";
import type { ReadSegment, TextVoice } from "../read-text.js";
import { chunkText } from "../text/index.js";
import { parseSsml } from "./parse.js";

/** A run of items read as one segment: same rate and voice, no break or sentence boundary inside. */
interface Run {
  parts: string[];
  words: SpokenWord[];
  start: number;
  end: number;
  rate: number;
}

/**
 * SSML → segments, each with its phonemes, the pause before it (`<break>`) and its speaking rate
 * (`<prosody rate>`). Text is read by the standard front end; `<say-as>` by its rule (characters,
 * cardinal, ordinal, date, time, telephone); `<sub>` by its alias; `<phoneme>` goes to the model
 * as its IPA (a `[[ … ]]` block of the phonemizer). Word offsets index the SSML text.
 * @throws SsmlError for malformed SSML
 */
export function readSsml(ssml: string, voice: TextVoice): ReadSegment[] {
  const language = textLanguageFor(voice.espeakVoice, voice.languageCode);
  const segments: ReadSegment[] = [];
  let run: Run | undefined;
  let pause: number | undefined;
  let voiceName: string | undefined;
  const flush = () => {
    if (!run) return;
    const spoken = run.parts.reduce((out, part) => (out === "" ? part : /^[,.;:!?)]/u.test(part) ? out + part : `${out} ${part}`), "").trim();
    if (spoken !== "") {
      const phonemes = [...chunkText(spoken)].flatMap((chunk) => phonemize(chunk, voice.espeakVoice, { isolateClauses: true })).filter((s) => s.length > 0);
      segments.push({
        text: ssml.slice(run.start, run.end),
        spoken,
        start: run.start,
        end: run.end,
        words: run.words,
        phonemes,
        ...(pause === undefined ? {} : { pauseBeforeSeconds: pause }),
        ...(run.rate === 1 ? {} : { rate: run.rate }),
        ...(voiceName === undefined ? {} : { voice: voiceName }),
      });
      pause = undefined;
    }
    run = undefined;
  };
  const add = (spoken: string, words: SpokenWord[], start: number, end: number, rate: number) => {
    if (run && run.rate !== rate) flush();
    run ??= { parts: [], words: [], start, end, rate };
    run.parts.push(spoken);
    run.words.push(...words);
    run.end = end;
  };
  for (const item of parseSsml(ssml)) {
    switch (item.type) {
      case "break":
        flush();
        pause = (pause ?? 0) + item.seconds;
        break;
      case "boundary":
        flush();
        break;
      case "voice":
        flush();
        voiceName = item.name;
        break;
      case "text":
      case "sub": {
        const text = item.type === "text" ? item.text : item.alias;
        const read = normalizeForSpeech(text, language);
        const words =
          item.type === "text"
            ? read.sentences.flatMap((s) => s.words.map((w) => ({ ...w, start: w.start + item.start, end: w.end + item.start })))
            : read.sentences.flatMap((s) => s.words.map((w) => ({ ...w, start: item.start, end: item.end })));
        if (read.spoken !== "") add(read.spoken, words, item.start, item.end, item.rate);
        break;
      }
      case "say-as": {
        const spoken = language ? sayAs(item.text.trim(), item.interpretAs, item.format, language) : item.text.trim();
        if (spoken !== "")
          add(
            spoken,
            spoken.split(/\s+/u).map((word) => ({ word, start: item.start, end: item.end })),
            item.start,
            item.end,
            item.rate,
          );
        break;
      }
      case "phoneme":
        add(`[[ ${item.ipa} ]]`, [{ word: item.text.trim() || item.ipa, start: item.start, end: item.end }], item.start, item.end, item.rate);
        break;
    }
  }
  flush();
  return segments;
}

/** `<say-as interpret-as>` content → spoken words; an unknown `interpret-as` reads as plain text. */
function sayAs(text: string, interpretAs: string, format: string | undefined, language: TextLanguage): string {
  switch (interpretAs) {
    case "characters":
    case "spell-out":
    case "verbatim":
      return Array.from(text.replace(/\s+/gu, ""), (c) => (/\d/u.test(c) ? language.digits[Number(c)] : c.toUpperCase())).join(" ");
    case "cardinal":
    case "number": {
      const n = parseNumber(text.replace(/\s+/gu, ""), language);
      return n ? readNumber(n, language) : text;
    }
    case "ordinal": {
      const digits = text.replace(/\D/gu, "");
      return digits ? language.ordinal(BigInt(digits)) : text;
    }
    case "digits":
    case "telephone":
      return text
        .split(/[^\d+]+/u)
        .filter(Boolean)
        .map((g) => `${g.startsWith("+") ? "plus " : ""}${readDigits(g, language)}`)
        .join(", ");
    case "date":
      return sayDate(text, format, language) ?? text;
    case "time": {
      const m = /^(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])?\.?m?\.?$/iu.exec(text);
      if (!m) return text;
      return language.time(Number(m[1]), Number(m[2] ?? 0), m[3] ? (m[3].toLowerCase() === "a" ? "AM" : "PM") : undefined);
    }
    default:
      return normalizeForSpeech(text, language).spoken;
  }
}

/** A date by its `format` (`mdy`, `dmy`, `ymd`, `md`, `dm`, `my`, `y`; default: the language's order). */
function sayDate(text: string, format: string | undefined, language: TextLanguage): string | undefined {
  const parts = text
    .split(/[^\d]+/u)
    .filter(Boolean)
    .map(Number);
  const order = (format ?? (parts.length === 3 && String(text).match(/^\d{4}/u) ? "ymd" : language.dateOrder)).toLowerCase();
  if (order.length !== parts.length) return undefined;
  const field = (letter: string) => (order.includes(letter) ? parts[order.indexOf(letter)] : undefined);
  const [day, month, year] = [field("d"), field("m"), field("y")];
  if (month === undefined) return year === undefined ? undefined : language.year(year);
  if (month < 1 || month > 12) return undefined;
  if (day === undefined) return `${language.months[month - 1]}${year === undefined ? "" : ` ${language.year(year)}`}`;
  return language.date(day, month, year);
}
