import type { TextLanguage } from "./language.js";

/** A written number split into its parts: `-1,299.99` (en) → negative, `1299`, `99`. */
export interface ParsedNumber {
  negative: boolean;
  integer: bigint;
  /** The digits after the decimal separator, as written (`05` stays `05`); empty: none. */
  fraction: string;
}

/**
 * Parses a number written with the language's separators (`1,299.99` in English, `1.299,99` in
 * German). Thousands groups must have three digits; a lone separator followed by other than three
 * digits is read as the decimal separator of either convention (`3.5` in a German text).
 * @returns undefined for a string that is not one number
 */
export function parseNumber(written: string, language: TextLanguage): ParsedNumber | undefined {
  let s = written.replace(/^[-−]/u, "");
  const negative = s.length !== written.length;
  const group = language.groupSeparator;
  const decimal = language.decimalSeparator;
  let fraction = "";
  const groupPattern = new RegExp(`^\\d{1,3}(?:[${group}]\\d{3})+(?:[${decimal}]\\d+)?$`, "u");
  if (groupPattern.test(s)) {
    const [int, frac = ""] = s.split(decimal);
    s = int!.split(group).join("");
    fraction = frac;
  } else if (/^\d+$/u.test(s)) {
    // plain integer
  } else if (/^\d+[.,]\d+$/u.test(s)) {
    [s, fraction] = s.split(/[.,]/u) as [string, string];
  } else {
    return undefined;
  }
  return { negative, integer: BigInt(s), fraction };
}

/** Digits read one by one (`0958` → `zero nine five eight`). */
export function readDigits(digits: string, language: TextLanguage): string {
  return Array.from(digits.replace(/\D/gu, ""), (d) => language.digits[Number(d)]).join(" ");
}

/** A parsed number in words: `minus three point one four`, `drei Komma eins vier`. */
export function readNumber(n: ParsedNumber, language: TextLanguage): string {
  const words = [n.negative ? `${language.minusWord} ` : "", language.cardinal(n.integer)];
  if (n.fraction) words.push(` ${language.pointWord} ${readDigits(n.fraction, language)}`);
  return words.join("");
}

/** Roman numeral → value, or undefined when the letters are not a well-formed numeral (1–3999). */
export function romanValue(letters: string): number | undefined {
  if (!/^M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/u.test(letters) || letters === "") return undefined;
  const values: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
  let total = 0;
  for (let i = 0; i < letters.length; i++) {
    const v = values[letters[i]!]!;
    const next = values[letters[i + 1] ?? ""] ?? 0;
    total += v < next ? -v : v;
  }
  return total;
}
