import * as linkify from "linkifyjs";
import type { TextLanguage } from "./language.js";
import { parseNumber, readDigits, readNumber, romanValue } from "./numbers.js";
import { findAbbreviation, streetBefore } from "./sentences.js";

/** A stretch of the original text and what is said for it. */
export interface SpokenPiece {
  /** Offsets into the original text (UTF-16 code units, JavaScript string indices). */
  start: number;
  end: number;
  /** What is said; empty for something not spoken (a list bullet). */
  spoken: string;
  /** Punctuation that joins the word before it, with no space. */
  glue: boolean;
}

/** What a rule sees: the sentence, where it is, the previous and next words. */
interface Context {
  text: string;
  /** Start of the sentence in `text`. */
  sentenceStart: number;
  /** The previous word as written (punctuation stripped), or "" at the sentence start. */
  prev: string;
  /** The word before `prev`. */
  prev2: string;
  language: TextLanguage;
  /** Links found by linkify in the sentence, by start offset. */
  links: Map<number, { end: number; type: string; value: string }>;
  /** The sentence is written in capitals throughout (shouting): capital words are words, not acronyms. */
  shouting: boolean;
}

/** A rule: a sticky pattern and how to say what it matched (null: not this rule after all). */
interface Rule {
  name: string;
  pattern: (language: TextLanguage) => RegExp;
  speak: (m: RegExpExecArray, ctx: Context) => string | null;
}

const NUM = String.raw`\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?`;
const MERIDIEM = String.raw`a\.m\.|p\.m\.|A\.M\.|P\.M\.|am|pm|AM|PM`;
const END = String.raw`(?![\p{L}\p{N}])`;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&");
const alternation = (keys: Iterable<string>): string =>
  [...keys]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join("|");
const monthNames = (language: TextLanguage): string => alternation(language.monthByName.keys());

const cache = new WeakMap<TextLanguage, RegExp[]>();

const meridiemOf = (written: string | undefined): "AM" | "PM" | undefined => (written ? (written.toLowerCase().startsWith("a") ? "AM" : "PM") : undefined);

function number(written: string, ctx: Context): string | null {
  const n = parseNumber(written, ctx.language);
  return n ? readNumber(n, ctx.language) : null;
}

function money(amount: string, scale: string | undefined, code: string, ctx: Context): string | null {
  const { language } = ctx;
  const names = language.currencies.get(code);
  const n = parseNumber(amount, language);
  if (!names || !n) return null;
  if (scale) {
    const s = language.scales.get(scale);
    if (!s) return null;
    return `${readNumber(n, language)} ${s.words} ${names.many}`;
  }
  const cents = n.fraction === "" ? 0 : Number(n.fraction.padEnd(2, "0").slice(0, 2));
  if (n.fraction.length > 2) return `${readNumber(n, language)} ${names.many}`;
  const major = n.integer === 0n && cents > 0 ? "" : `${language.countOf(n.integer)} ${n.integer === 1n ? names.one : names.many}`;
  const minor = cents === 0 ? "" : `${language.countOf(BigInt(cents))} ${cents === 1 ? names.minorOne : names.minorMany}`;
  return [n.negative ? language.minusWord : "", major, major && minor ? language.andWord : "", minor].filter(Boolean).join(" ");
}

function date(day: number, month: number, year: string | undefined, ctx: Context): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  let y = year === undefined ? undefined : Number(year);
  if (y !== undefined && year!.length === 2) y += y < 50 ? 2000 : 1900;
  return ctx.language.date(day, month, y, ctx.prev);
}

/** Spelled letters: `FBI` → `F-B-I` (espeak reads a lone `A` as the article). */
function spell(letters: string): string {
  return Array.from(letters.toUpperCase()).join("-");
}

function link(value: string, type: string, ctx: Context): string {
  const { language } = ctx;
  const body = type === "email" ? value.replace(/^mailto:/iu, "") : value.replace(/^[a-z][a-z0-9+.-]*:\/\//iu, "");
  const parts = body.split(/([.@/:\-_?=&#])/u).filter((p) => p !== "");
  const said = parts.map((p) => {
    if (p === ".") return language.dotWord;
    if (p === "@") return language.atWord;
    if (p === "/") return language.slashWord;
    if (p === ":") return language.colonWord;
    if (p === "-") return "dash";
    if (p === "_") return "underscore";
    if (/^[?=&#]$/u.test(p)) return language.symbols.get(p) ?? "";
    if (/^\d+$/u.test(p)) return p.length > 3 ? readDigits(p, language) : language.cardinal(BigInt(p));
    if (/^www$/iu.test(p)) return "w-w-w";
    if (/^(?:com|org|net|de|uk|io|co|gov|edu)$/iu.test(p)) return p.length <= 2 || /^(?:io|gov|edu)$/iu.test(p) ? spell(p) : p;
    return p;
  });
  // A trailing slash is not said.
  while (said.at(-1) === language.slashWord) said.pop();
  return said.filter(Boolean).join(" ");
}

const RULES: Rule[] = [
  {
    name: "raw phonemes",
    pattern: () => /\[\[.*?\]\]/uy,
    speak: (m) => m[0],
  },
  {
    name: "phone",
    pattern: () =>
      new RegExp(
        String.raw`(?:\+\d{1,3}(?:[ .\-]?\(?\d{1,5}\)?){2,6}|\(\d{3}\)\s?\d{3}[-. ]\d{4}|\d{3}-\d{3}-\d{4}|0\d{2,5}[ /\-]\d{3,8}(?:[ \-]\d{1,5})?)${END}`,
        "uy",
      ),
    speak: (m, ctx) => {
      if (m[0].replace(/\D/gu, "").length < 7) return null;
      const groups = m[0].split(/[^\d+]+/u).filter(Boolean);
      return groups.map((g) => (g.startsWith("+") ? `plus ${readDigits(g, ctx.language)}` : readDigits(g, ctx.language))).join(", ");
    },
  },
  {
    name: "ISO date",
    pattern: () => new RegExp(String.raw`(\d{4})-(\d{2})-(\d{2})${END}`, "uy"),
    speak: (m, ctx) => date(Number(m[3]), Number(m[2]), m[1], ctx),
  },
  {
    name: "numeric date",
    pattern: () => new RegExp(String.raw`(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})${END}`, "uy"),
    speak: (m, ctx) => {
      let [a, b] = [Number(m[1]), Number(m[2])];
      // The voice's locale decides (US: month first), unless one part cannot be a month.
      const monthFirst = a > 12 ? false : b > 12 ? true : ctx.language.dateOrder === "mdy";
      if (monthFirst) [a, b] = [b, a];
      return date(a, b, m[3], ctx);
    },
  },
  {
    name: "dotted date",
    pattern: () => new RegExp(String.raw`(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})${END})?`, "uy"),
    speak: (m, ctx) => (m[3] === undefined && !ctx.language.tag.startsWith("de") ? null : date(Number(m[1]), Number(m[2]), m[3], ctx)),
  },
  {
    name: "day month year",
    pattern: (l) => new RegExp(String.raw`(\d{1,2})(?:\.|st|nd|rd|th)?\s(?:of\s)?(${monthNames(l)})\.?(?:,?\s(\d{4})${END})?${END}`, "uy"),
    speak: (m, ctx) => date(Number(m[1]), ctx.language.monthByName.get(m[2]!)!, m[3], ctx),
  },
  {
    name: "month day year",
    pattern: (l) => new RegExp(String.raw`(${monthNames(l)})\.?\s(\d{1,2})(?:st|nd|rd|th)?(?:,?\s(\d{4}))?${END}`, "uy"),
    speak: (m, ctx) =>
      ctx.language.tag.startsWith("de")
        ? null
        : date(Number(m[2]), ctx.language.monthByName.get(m[1]!)!, m[3], { ...ctx, language: { ...ctx.language, date: monthFirstDate(ctx.language) } }),
  },
  {
    name: "time",
    pattern: () => new RegExp(String.raw`(\d{1,2})[:.](\d{2})(?::\d{2})?(?:\s?(${MERIDIEM})|\s?(Uhr))?${END}`, "uy"),
    speak: (m, ctx) => {
      const [h, min] = [Number(m[1]), Number(m[2])];
      if (h > 24 || min > 59) return null;
      // 9.30 is a time only with Uhr or a.m./p.m.; 9:30 always.
      if (m[0].includes(".") && !m[3] && !m[4]) return null;
      return ctx.language.time(h, min, meridiemOf(m[3]));
    },
  },
  {
    name: "hour",
    pattern: () => new RegExp(String.raw`(\d{1,2})\s?(?:(${MERIDIEM})${END}|(Uhr)${END}|(o'clock))`, "uy"),
    speak: (m, ctx) => {
      const h = Number(m[1]);
      if (h > 24) return null;
      if (m[4]) return `${ctx.language.cardinal(BigInt(h))} o'clock`;
      return ctx.language.time(h, 0, meridiemOf(m[2]));
    },
  },
  {
    name: "currency before",
    pattern: (l) => new RegExp(String.raw`(${alternation(l.currencies.keys())})\s?(-?(?:${NUM}))(?:\s?(${alternation(l.scales.keys())})${END})?`, "uy"),
    speak: (m, ctx) => money(m[2]!, m[3], m[1]!, ctx),
  },
  {
    name: "currency after",
    pattern: (l) => new RegExp(String.raw`(-?(?:${NUM}))(?:\s?(${alternation(l.scales.keys())}))?\s?(${alternation(l.currencies.keys())})(?![\p{L}])`, "uy"),
    speak: (m, ctx) => money(m[1]!, m[2], m[3]!, ctx),
  },
  {
    name: "number sign",
    pattern: () => /(?:#|(?:No|Nr|no)\.\s?)(\d+)(?![\p{L}\p{N}])/uy,
    speak: (m, ctx) => `${ctx.language.numberWord} ${m[1]!.length >= 4 ? readDigits(m[1]!, ctx.language) : ctx.language.cardinal(BigInt(m[1]!))}`,
  },
  {
    name: "percent",
    pattern: () => new RegExp(String.raw`(-?(?:${NUM}))\s?%`, "uy"),
    speak: (m, ctx) => {
      const n = number(m[1]!, ctx);
      return n === null ? null : `${n} ${ctx.language.percentWord}`;
    },
  },
  {
    name: "decade",
    pattern: () => /(\d{3}0)(s|er)(?![\p{L}])/uy,
    speak: (m, ctx) => {
      const y = ctx.language.year(Number(m[1]));
      if (m[2] === "er") return ctx.language.tag === "de" ? `${y.replace(/ig$/u, "ig")}er` : null;
      if (!ctx.language.tag.startsWith("en")) return null;
      return y.endsWith("y") ? `${y.slice(0, -1)}ies` : `${y}s`;
    },
  },
  {
    name: "times",
    pattern: () => /(\d+)x(?![\p{L}\p{N}])/uy,
    speak: (m, ctx) => `${ctx.language.cardinal(BigInt(m[1]!))} ${ctx.language.symbols.get("×")}`,
  },
  {
    name: "file name",
    pattern: () => /([\p{L}\p{N}_-]+)\.(pdf|txt|docx?|xlsx?|pptx?|csv|json|png|jpe?g|gif|zip|mp3|mp4|wav|html?|md)(?![\p{L}\p{N}])/uy,
    speak: (m, ctx) => `${m[1]} ${ctx.language.dotWord} ${readWord(m[2]!.toUpperCase(), ctx)}`,
  },
  {
    name: "unit",
    pattern: (l) => new RegExp(String.raw`(-?(?:${NUM}))\s?(${alternation(l.units.keys())})(?:\.(?=\s+\p{Ll}))?(?![\p{L}\p{N}²])`, "uy"),
    speak: (m, ctx) => {
      const n = parseNumber(m[1]!, ctx.language);
      const unit = ctx.language.units.get(m[2]!);
      if (!n || !unit) return null;
      const one = n.integer === 1n && n.fraction === "" && !n.negative;
      const count = n.fraction === "" && !n.negative ? ctx.language.countOf(n.integer, unit.feminine) : readNumber(n, ctx.language);
      return `${count} ${one ? unit.one : unit.many}`;
    },
  },
  {
    name: "ordinal",
    pattern: (l) => new RegExp(String.raw`(\d+)(?:(st|nd|rd|th)${END}|\.(?=\s+(?:${monthNames(l)}|\p{L})))`, "uy"),
    speak: (m, ctx) => {
      if (m[2]) return ctx.language.tag.startsWith("en") ? ctx.language.ordinal(BigInt(m[1]!)) : null;
      if (!ctx.language.tag.startsWith("de")) return null;
      const next = /^\.\s+(\S+)/u.exec(ctx.text.slice(m.index + m[1]!.length))?.[1] ?? "";
      const article = /^(?:der|die|das|den|dem|des|am|im|zum|zur|vom|beim|ab|bis)$/iu.test(ctx.prev);
      // `Er wurde 2. im Rennen`: a number with a dot before a lower-case word is an ordinal too.
      if (!article && !ctx.language.monthByName.has(next) && !/^\p{Ll}/u.test(next)) return null;
      return ctx.language.ordinal(BigInt(m[1]!), ctx.prev);
    },
  },
  {
    name: "around the clock",
    pattern: () => /24\/7(?![\p{N}])/uy,
    speak: (_m, ctx) => `${ctx.language.cardinal(24n)} ${ctx.language.cardinal(7n)}`,
  },
  {
    name: "mixed fraction",
    pattern: () => /(\d+)\s(\d)\/(\d{1,2})(?![\p{N}/])/uy,
    speak: (m, ctx) => {
      const [w, n, d] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
      if (n >= d || d < 2n) return null;
      const half = ctx.language.tag.startsWith("en") && n === 1n && d === 2n ? "a half" : ctx.language.fraction(n, d);
      return `${ctx.language.cardinal(w)} ${ctx.language.andWord} ${half}`;
    },
  },
  {
    name: "fraction",
    pattern: () => /(\d{1,2})\/(\d{1,2})(?![\p{N}/])/uy,
    speak: (m, ctx) => {
      const [n, d] = [BigInt(m[1]!), BigInt(m[2]!)];
      return d >= 2n && d <= 16n && n > 0n ? ctx.language.fraction(n, d) : null;
    },
  },
  {
    name: "range",
    pattern: () => /(\d+)\s?[-–]\s?(\d+)(?![\p{N}/:]|[.,]\d)/uy,
    speak: (m, ctx) => {
      const years = [m[1]!, m[2]!].every((x) => x.length === 4 && Number(x) >= 1100 && Number(x) < 2100);
      const say = (x: string) => (years ? ctx.language.year(Number(x)) : ctx.language.cardinal(BigInt(x)));
      return `${say(m[1]!)} ${ctx.language.rangeWord} ${say(m[2]!)}`;
    },
  },
  {
    name: "year",
    pattern: () => /(\d{4})(?![\p{N}:/\p{L}]|[.,]\d)/uy,
    speak: (m, ctx) => {
      const y = Number(m[1]);
      if (y < 1100 || y >= 2100) return null;
      const context = ctx.language.yearAfter.has(ctx.prev) || (ctx.language.bareYears && y < 2000);
      return context ? ctx.language.year(y) : null;
    },
  },
  {
    name: "code",
    pattern: () => /(\d{3,})(?![\p{N}]|[.,]\d)/uy,
    speak: (m, ctx) =>
      ctx.language.codeAfter.has(ctx.prev) || ctx.language.codeAfter.has(ctx.prev2) || /^\p{Lu}{2}$/u.test(ctx.prev) || m[1]!.startsWith("0")
        ? readDigits(m[1]!, ctx.language)
        : null,
  },
  {
    name: "house number",
    pattern: () => /(\d+)(\p{Lu})(?![\p{L}\p{N}])/uy,
    speak: (m, ctx) => `${ctx.language.cardinal(BigInt(m[1]!))} ${m[2]}`,
  },
  {
    name: "number",
    pattern: (l) => new RegExp(String.raw`([-−]?(?:${NUM}))(?:\s?(${alternation([...l.scales.keys()].filter((k) => !/^[MBm]$/u.test(k)))})${END})?`, "uy"),
    speak: (m, ctx) => {
      if (/^[-−]/u.test(m[1]!) && m.index > 0 && !/[\s(]/u.test(ctx.text[m.index - 1]!)) return null;
      const n = number(m[1]!, ctx);
      if (n === null) return null;
      const scale = m[2] ? ctx.language.scales.get(m[2]) : undefined;
      return scale ? `${n} ${scale.words}` : n;
    },
  },
  {
    name: "roman numeral",
    pattern: () => new RegExp(String.raw`([IVXLCDM]{1,7})(\.(?=\s+\p{Ll}))?(?![\p{L}\p{N}])`, "uy"),
    speak: (m, ctx) => {
      const letters = m[1]!;
      const value = romanValue(letters);
      if (value === undefined || !/^\p{Lu}[\p{Ll}.']/u.test(ctx.prev)) return null;
      const counted = ctx.language.romanCardinalAfter.has(ctx.prev);
      if (!counted && /^[CDLM]$/u.test(letters)) return null;
      if (letters === "I" && !counted) {
        const rest = ctx.text.slice(m.index + 1).trimStart();
        if (!(rest === "" || /^[,.;:!?)]/u.test(rest) || /^(?:of|von)\b/u.test(rest))) return null;
      }
      return counted ? ctx.language.cardinal(BigInt(value)) : ctx.language.regnal(value);
    },
  },
  {
    name: "initial",
    pattern: () => /(\p{Lu})\.(?=\s+\p{Lu})/uy,
    speak: (m, ctx) => (m.index > 0 && /[\p{L}\p{N}.]/u.test(ctx.text[m.index - 1]!) ? null : m[1]!),
  },
  {
    name: "street suffix",
    pattern: () => /(\p{L}+)str\.(?=\s|$|[,;])/uy,
    speak: (m, ctx) => (ctx.language.tag === "de" ? `${m[1]}straße` : null),
  },
  {
    name: "abbreviation",
    pattern: (l) => new RegExp(String.raw`(?:${alternation(l.abbreviations.keys()).replace(/\\\. /gu, String.raw`\.\s?`)})(?![\p{L}\p{N}])`, "uy"),
    speak: (m, ctx) => {
      const written = m[0];
      const before = m.index > 0 ? ctx.text[m.index - 1]! : "";
      if (/[\p{L}\p{N}.]/u.test(before)) return null;
      const entry = findAbbreviation(ctx.language, written) ?? findAbbreviation(ctx.language, written.replace(/\.\s/gu, ". "));
      if (!entry) return null;
      if (entry.key === "St." && ctx.language.tag.startsWith("en")) {
        return streetBefore(ctx.text, ctx.sentenceStart, m.index) ? ctx.language.street : ctx.language.saint;
      }
      return entry.entry.spoken;
    },
  },
  {
    name: "dotted letters",
    pattern: () => /(?:\p{L}\.){2,}(?![\p{L}\p{N}])/uy,
    speak: (m) => spell(m[0].replaceAll(".", "")),
  },
];

/** Rule patterns of a language, compiled once. */
function patterns(language: TextLanguage): RegExp[] {
  let compiled = cache.get(language);
  if (!compiled) {
    compiled = RULES.map((rule) => rule.pattern(language));
    cache.set(language, compiled);
  }
  return compiled;
}

/** `March twelfth` in every English locale after a written month (`March 12, 2026`). */
function monthFirstDate(language: TextLanguage): TextLanguage["date"] {
  return (day, month, year) => `${language.months[month - 1]} ${language.ordinal(BigInt(day))}${year === undefined ? "" : `, ${language.year(year)}`}`;
}

const WORD = /[\p{L}\p{M}\p{N}'’]+(?:[-‐][\p{L}\p{M}\p{N}'’]+)*/uy;
const LIST_BULLET = /[-*•‣◦–—](?=\s)/uy;
const LIST_NUMBER = /^(\d{1,3})[.)](?=\s)/u;

/**
 * Reads one sentence of `text` (`start`…`end`) into spoken pieces: links, phone numbers,
 * dates, times, money, numbers with units, ordinals, fractions, years, codes, Roman numerals,
 * abbreviations, acronyms and symbols become words; other words and punctuation stay as they
 * are. Without a language, every word stays as written.
 */
export function readSentence(text: string, start: number, end: number, language: TextLanguage | undefined): SpokenPiece[] {
  const sentence = text.slice(0, end);
  const pieces: SpokenPiece[] = [];
  const ctx: Context | undefined = language && {
    text: sentence,
    sentenceStart: start,
    prev: "",
    prev2: "",
    language,
    links: findLinks(sentence, start),
    shouting: isShouting(sentence.slice(start)),
  };
  const compiled = language ? patterns(language) : [];
  let i = start;
  let glueNext = false;
  const push = (to: number, spoken: string, glue = false) => {
    pieces.push({ start: i, end: to, spoken, glue: glue || glueNext });
    glueNext = false;
    if (ctx && /[\p{L}\p{N}]/u.test(sentence.slice(i, to))) {
      ctx.prev2 = ctx.prev;
      ctx.prev = sentence.slice(i, to).replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.']+$/gu, "");
    }
    i = to;
  };
  if (language && /(?:^|\n)[^\S\n]*$/u.test(text.slice(0, start))) {
    // A list item: a bullet is not said; a number is, followed by a pause (`1. Mix` → `one, Mix`).
    LIST_BULLET.lastIndex = i;
    const numbered = LIST_NUMBER.exec(sentence.slice(i, end));
    if (LIST_BULLET.test(sentence)) push(LIST_BULLET.lastIndex, "");
    else if (numbered) push(i + numbered[0].length, `${language.cardinal(BigInt(numbered[1]!))},`);
  }
  outer: while (i < end) {
    const c = sentence[i]!;
    if (/[\s\p{Cc}\p{Cf}]/u.test(c)) {
      i++;
      continue;
    }
    if (ctx) {
      const found = ctx.links.get(i);
      if (found) {
        push(found.end, link(found.value, found.type, ctx));
        continue;
      }
      for (const [r, rule] of RULES.entries()) {
        const re = compiled[r]!;
        re.lastIndex = i;
        const m = re.exec(sentence);
        if (!m || m[0].length === 0) continue;
        const spoken = rule.speak(m, ctx);
        if (spoken === null) continue;
        push(i + m[0].length, spoken);
        continue outer;
      }
    }
    WORD.lastIndex = i;
    const word = WORD.exec(sentence);
    if (word) {
      push(WORD.lastIndex, ctx ? readWord(word[0], ctx) : word[0].normalize("NFC"));
      continue;
    }
    const ch = String.fromCodePoint(sentence.codePointAt(i)!);
    const symbol = ctx?.language.symbols.get(ch);
    if (symbol !== undefined && !(ch === "/" || ch === "-")) push(i + ch.length, symbol);
    else if (/[\p{P}]/u.test(ch)) {
      // Closing marks join the word before; others (opening brackets, quotes, `-wolke`) the word after.
      const afterWord = /[\p{L}\p{N}\p{P}]/u.test(sentence[i - 1] ?? "");
      const beforeWord = /[\p{L}\p{N}\p{Ps}\p{Pi}"'“‘«$€£]/u.test(sentence[i + 1] ?? "");
      const closing = /[.,;:!?…)\]}»”’%]/u.test(ch) || (afterWord && !beforeWord);
      push(i + ch.length, ch === "/" ? "" : ch, closing);
      if (!closing && beforeWord) glueNext = true;
    } else push(i + ch.length, ch);
  }
  return pieces;
}

/** A plain word: acronyms spelled (`FBI` → `F-B-I`) or read (`NASA`), digits in words read. */
function readWord(word: string, ctx: Context): string {
  const parts = word.split(/(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})|[-‐]/u);
  if (parts.length > 1 && parts.every((p) => /^\p{L}/u.test(p) && !/^\p{Lu}{2,}s?$/u.test(p))) return word.normalize("NFC"); // multi-colored
  return parts
    .map((part) => {
      if (/^\d+$/u.test(part)) return part.length > 4 || part.startsWith("0") ? readDigits(part, ctx.language) : ctx.language.cardinal(BigInt(part));
      const acronym = /^(\p{Lu}{2,})(s?)$/u.exec(part);
      if (acronym && !ctx.shouting) {
        const letters = acronym[1]!;
        if (ctx.language.acronymWords.has(letters)) return part;
        const vowels = /[AEIOUÄÖÜY]/u.test(letters);
        if (letters.length >= 5 && vowels) return part.charAt(0) + part.slice(1).toLowerCase();
        return `${spell(letters)}${acronym[2] ? "'s" : ""}`;
      }
      if (acronym && ctx.shouting) return part.toLowerCase();
      return part.normalize("NFC");
    })
    .join(" ");
}

function findLinks(sentence: string, start: number): Map<number, { end: number; type: string; value: string }> {
  const links = new Map<number, { end: number; type: string; value: string }>();
  const slice = sentence.slice(start);
  if (!/[.@]/u.test(slice)) return links;
  for (const found of linkify.find(slice)) {
    if (found.type !== "url" && found.type !== "email") continue;
    // A bare domain-like word such as `e.g` or `file.txt` is not a link unless it has a scheme, www or a path.
    if (
      found.type === "url" &&
      !/^[a-z][a-z0-9+.-]*:\/\/|^www\.|\//iu.test(found.value) &&
      !/\.(?:com|org|net|io|de|uk|eu|gov|edu|info|app|dev)$/iu.test(found.value)
    )
      continue;
    links.set(start + found.start, { end: start + found.end, type: found.type, value: found.value });
  }
  return links;
}

function isShouting(sentence: string): boolean {
  const words = sentence.match(/\p{L}{2,}/gu) ?? [];
  return words.length >= 4 && words.filter((w) => w === w.toUpperCase()).length / words.length >= 0.8;
}
