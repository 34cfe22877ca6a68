/** A written abbreviation's spoken form (`Dr.` → `Doctor`). */
export interface Abbreviation {
  /** The spoken words. */
  spoken: string;
  /** It can be the last word of a sentence (`etc.`, `Inc.`); titles such as `Dr.` never are. */
  mayEndSentence?: boolean;
}

/** A currency's names: one unit, many units, and the minor unit (cents). */
export interface CurrencyNames {
  one: string;
  many: string;
  minorOne: string;
  minorMany: string;
}

/** A unit's names after one, and after any other number. */
export interface UnitNames {
  one: string;
  many: string;
  /** German feminine nouns take `eine` after one (`eine Stunde`). */
  feminine?: boolean;
}

/**
 * Everything the normalizer knows about one language: number words (from n2words), the
 * written conventions (separators, date order) and the tables our rules read. Add a language
 * by writing one of these (see `en.ts`, `de.ts`) and naming it in `languages.ts`.
 */
export interface TextLanguage {
  /** BCP 47 tag, e.g. `en-US`. */
  tag: string;
  /** Integer → words (`1299` → `one thousand two hundred ninety-nine`). */
  cardinal(value: bigint): string;
  /** The cardinal before a noun (German `eins` → `ein Euro`, `eine Stunde`); English: the cardinal. */
  countOf(value: bigint, feminine?: boolean): string;
  /**
   * Integer → ordinal words. `before` is the word that precedes it (German inflects by article:
   * `am dritten`, `der dritte`, `dritter`).
   */
  ordinal(value: bigint, before?: string): string;
  /** A four-digit year as spoken (`1999` → `nineteen ninety-nine`). */
  year(value: number): string;
  /** Decimal and thousands separators of written numbers. */
  decimalSeparator: "." | ",";
  groupSeparator: "," | ".";
  /** Words for the decimal point and minus (`point`, `Komma`; `minus`). */
  pointWord: string;
  minusWord: string;
  /** Digit names 0–9, for phone numbers, codes and the digits after a decimal point. */
  digits: readonly string[];
  /** How `12/03/2026` reads: month first (`mdy`, US) or day first (`dmy`). */
  dateOrder: "mdy" | "dmy";
  /** Month names, January first; and the written forms that name months (`Jan`, `Januar`). */
  months: readonly string[];
  monthByName: ReadonlyMap<string, number>;
  /** A full date. `before` is the preceding word (German inflects the ordinal). */
  date(day: number, month: number, year: number | undefined, before?: string): string;
  /** A time of day; `meridiem` is `AM`/`PM` when written. */
  time(hours: number, minutes: number, meridiem: "AM" | "PM" | undefined): string;
  /** Currency names by symbol or ISO code (`$`, `USD`, `€`). */
  currencies: ReadonlyMap<string, CurrencyNames>;
  /** `and` between the major and minor amount (`one dollar and five cents`). */
  andWord: string;
  /** Scale words after a number (`k`, `million`, `Mio.`) → their value's words. */
  scales: ReadonlyMap<string, { value: bigint; words: string }>;
  /** Units after a number (`km`, `°C`). */
  units: ReadonlyMap<string, UnitNames>;
  /** Abbreviations, written with their dots (`Dr.`, `e.g.`, `z.B.`); matched case-sensitively. */
  abbreviations: ReadonlyMap<string, Abbreviation>;
  /** `St.`: a street after a name or number, a saint before a name. */
  street: string;
  saint: string;
  /** Symbols spoken as words (`&` → `and`). */
  symbols: ReadonlyMap<string, string>;
  /** Words for `%`, `#`/`No.`, the `.` `@` `/` `:` of addresses, `to` of ranges, a fraction. */
  percentWord: string;
  numberWord: string;
  dotWord: string;
  atWord: string;
  slashWord: string;
  colonWord: string;
  rangeWord: string;
  fraction(numerator: bigint, denominator: bigint): string;
  /** Upper-case words read as words, not spelled (`NASA`). */
  acronymWords: ReadonlySet<string>;
  /** Words after which a Roman numeral is a number (`World War II`), not a regnal ordinal. */
  romanCardinalAfter: ReadonlySet<string>;
  /** A regnal numeral: `Henry VIII` → `Henry the Eighth`. */
  regnal(value: number): string;
  /** Words before a bare four-digit number that make it a year (`in 1999`). */
  yearAfter: ReadonlySet<string>;
  /** Read every bare number from 1100 to 1999 as a year (German writes counts as `1.500`). */
  bareYears: boolean;
  /** Words that introduce a code read digit by digit (`PIN`, `ZIP`, `Code`). */
  codeAfter: ReadonlySet<string>;
}

/** A currency's names (tables of `en.ts`, `de.ts`). */
export const currency = (one: string, many: string, minorOne: string, minorMany: string): CurrencyNames => ({ one, many, minorOne, minorMany });
/** An abbreviation that never ends a sentence (`Dr.`). */
export const title = (spoken: string): Abbreviation => ({ spoken });
/** An abbreviation that may end a sentence (`etc.`). */
export const ending = (spoken: string): Abbreviation => ({ spoken, mayEndSentence: true });
/** `eighth` → `Eighth`. */
export const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
