import * as deDE from "n2words/de-DE";
import { capitalize, currency, ending, title, type Abbreviation, type TextLanguage, type UnitNames } from "./language.js";

const MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"];
const DIGITS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"];

const euro = currency("Euro", "Euro", "Cent", "Cent");
const dollar = currency("Dollar", "Dollar", "Cent", "Cent");
const pound = currency("Pfund", "Pfund", "Penny", "Pence");
const franc = currency("Franken", "Franken", "Rappen", "Rappen");
const yen = currency("Yen", "Yen", "Sen", "Sen");

const unit = (one: string, many = one, feminine = false): UnitNames => ({ one, many, feminine });
const UNITS: [string, UnitNames][] = [
  ["km", unit("Kilometer")],
  ["m", unit("Meter")],
  ["cm", unit("Zentimeter")],
  ["mm", unit("Millimeter")],
  ["kg", unit("Kilogramm")],
  ["g", unit("Gramm")],
  ["mg", unit("Milligramm")],
  ["t", unit("Tonne", "Tonnen", true)],
  ["l", unit("Liter")],
  ["L", unit("Liter")],
  ["ml", unit("Milliliter")],
  ["°C", unit("Grad Celsius")],
  ["°F", unit("Grad Fahrenheit")],
  ["°", unit("Grad")],
  ["km/h", unit("Kilometer pro Stunde")],
  ["h", unit("Stunde", "Stunden", true)],
  ["Std.", unit("Stunde", "Stunden", true)],
  ["min", unit("Minute", "Minuten", true)],
  ["Min.", unit("Minute", "Minuten", true)],
  ["s", unit("Sekunde", "Sekunden", true)],
  ["Sek.", unit("Sekunde", "Sekunden", true)],
  ["ms", unit("Millisekunde", "Millisekunden", true)],
  ["KB", unit("Kilobyte")],
  ["kB", unit("Kilobyte")],
  ["MB", unit("Megabyte")],
  ["GB", unit("Gigabyte")],
  ["TB", unit("Terabyte")],
  ["Hz", unit("Hertz")],
  ["kHz", unit("Kilohertz")],
  ["MHz", unit("Megahertz")],
  ["GHz", unit("Gigahertz")],
  ["W", unit("Watt")],
  ["kW", unit("Kilowatt")],
  ["kWh", unit("Kilowattstunde", "Kilowattstunden", true)],
  ["V", unit("Volt")],
  ["qm", unit("Quadratmeter")],
  ["m²", unit("Quadratmeter")],
  ["km²", unit("Quadratkilometer")],
];

const ABBREVIATIONS: [string, Abbreviation][] = [
  ["Dr.", title("Doktor")],
  ["Prof.", title("Professor")],
  ["Hr.", title("Herr")],
  ["Hrn.", title("Herrn")],
  ["Fr.", title("Frau")],
  ["St.", title("Sankt")],
  ["z.B.", title("zum Beispiel")],
  ["z. B.", title("zum Beispiel")],
  ["d.h.", title("das heißt")],
  ["d. h.", title("das heißt")],
  ["u.a.", title("unter anderem")],
  ["u. a.", title("unter anderem")],
  ["bzw.", title("beziehungsweise")],
  ["ca.", title("circa")],
  ["inkl.", title("inklusive")],
  ["exkl.", title("exklusive")],
  ["evtl.", title("eventuell")],
  ["ggf.", title("gegebenenfalls")],
  ["vgl.", title("vergleiche")],
  ["Nr.", title("Nummer")],
  ["Tel.", title("Telefon")],
  ["S.", title("Seite")],
  ["Abs.", title("Absatz")],
  // German capitalises nouns, so a capital letter after these does not start a sentence: only a few may end one.
  ["Str.", title("Straße")],
  ["usw.", ending("und so weiter")],
  ["etc.", ending("et cetera")],
  ["u.Ä.", ending("und Ähnliches")],
  ["Mio.", title("Millionen")],
  ["Mrd.", title("Milliarden")],
  ["Jh.", title("Jahrhundert")],
  ["Jhd.", title("Jahrhundert")],
  ["z.Zt.", title("zur Zeit")],
  ["zzgl.", title("zuzüglich")],
  ["max.", title("maximal")],
  ["min.", title("mindestens")],
  ["Mo.", title("Montag")],
  ["Di.", title("Dienstag")],
  ["Mi.", title("Mittwoch")],
  ["Do.", title("Donnerstag")],
  ["Sa.", title("Samstag")],
  ["So.", title("Sonntag")],
  ["Jan.", title("Januar")],
  ["Feb.", title("Februar")],
  ["Apr.", title("April")],
  ["Aug.", title("August")],
  ["Sept.", title("September")],
  ["Okt.", title("Oktober")],
  ["Nov.", title("November")],
  ["Dez.", title("Dezember")],
  ["MwSt.", title("Mehrwertsteuer")],
  ["GmbH", ending("G-m-b-H")],
  ["e.V.", ending("eingetragener Verein")],
];

const SYMBOLS: [string, string][] = [
  ["&", "und"],
  ["+", "plus"],
  ["@", "ät"],
  ["%", "Prozent"],
  ["=", "gleich"],
  ["×", "mal"],
  ["÷", "geteilt durch"],
  ["~", "circa"],
  ["≈", "circa"],
  ["°", "Grad"],
  ["§", "Paragraf"],
  ["€", "Euro"],
  ["$", "Dollar"],
  ["£", "Pfund"],
  ["<", "kleiner als"],
  [">", "größer als"],
  ["±", "plus minus"],
  ["→", "bis"],
];

const ARTICLE_EN = new Set(["am", "Am", "im", "Im", "vom", "Vom", "zum", "Zum", "beim", "den", "dem", "des", "ab", "bis"]);
const ARTICLE_E = new Set(["der", "Der", "die", "Die", "das", "Das"]);

/** The German ordinal for `before`: `am dritten`, `der dritte`, otherwise `dritter`. */
function inflect(base: string, before: string | undefined): string {
  const stem = base.endsWith("e") ? base.slice(0, -1) : base;
  if (before && ARTICLE_EN.has(before)) return `${stem}en`;
  if (before && ARTICLE_E.has(before)) return `${stem}e`;
  return `${stem}er`;
}

/**
 * German (`de`): number words from n2words (`eintausendzweihundert…`; `eins` becomes `ein`
 * before a noun), dates day first (`12.03.2026`), ordinals inflected after the article
 * before them, times with `Uhr`.
 */
export function german(): TextLanguage {
  const cardinal = (value: bigint): string => deDE.toCardinal(value);
  const countOf = (value: bigint, feminine = false): string => cardinal(value).replace(/eins$/u, feminine ? "eine" : "ein");
  const monthByName = new Map<string, number>();
  MONTHS.forEach((m, i) => {
    monthByName.set(m, i + 1);
    monthByName.set(m.slice(0, 3), i + 1);
  });
  const year = (value: number): string => {
    if (value >= 1100 && value < 2000) {
      const lo = value % 100;
      return `${cardinal(BigInt(Math.floor(value / 100)))}hundert${lo === 0 ? "" : cardinal(BigInt(lo))}`;
    }
    return cardinal(BigInt(value));
  };
  // As in English, n2words throws for 0: "der 0. Platz" is "der nullte Platz".
  const ordinal = (value: bigint, before?: string): string => inflect(value === 0n ? "nullte" : deDE.toOrdinal(value), before);
  return {
    tag: "de",
    cardinal,
    countOf,
    ordinal,
    year,
    decimalSeparator: ",",
    groupSeparator: ".",
    pointWord: "Komma",
    minusWord: "minus",
    digits: DIGITS,
    dateOrder: "dmy",
    months: MONTHS,
    monthByName,
    date: (day, month, yearValue, before) => `${ordinal(BigInt(day), before)} ${MONTHS[month - 1]}${yearValue === undefined ? "" : ` ${year(yearValue)}`}`,
    time(hours, minutes) {
      return `${countOf(BigInt(hours))} Uhr${minutes === 0 ? "" : ` ${cardinal(BigInt(minutes))}`}`;
    },
    currencies: new Map([
      ["€", euro],
      ["EUR", euro],
      ["Euro", euro],
      ["$", dollar],
      ["USD", dollar],
      ["£", pound],
      ["GBP", pound],
      ["CHF", franc],
      ["Fr.", franc],
      ["¥", yen],
      ["JPY", yen],
    ]),
    andWord: "und",
    scales: new Map([
      ["Tsd.", { value: 1_000n, words: "tausend" }],
      ["Mio.", { value: 1_000_000n, words: "Millionen" }],
      ["Millionen", { value: 1_000_000n, words: "Millionen" }],
      ["Mrd.", { value: 1_000_000_000n, words: "Milliarden" }],
      ["Milliarden", { value: 1_000_000_000n, words: "Milliarden" }],
    ]),
    units: new Map(UNITS),
    abbreviations: new Map(ABBREVIATIONS),
    street: "Straße",
    saint: "Sankt",
    symbols: new Map(SYMBOLS),
    percentWord: "Prozent",
    numberWord: "Nummer",
    dotWord: "Punkt",
    atWord: "ät",
    slashWord: "Schrägstrich",
    colonWord: "Doppelpunkt",
    rangeWord: "bis",
    fraction(numerator, denominator) {
      if (denominator === 2n) return numerator === 1n ? "ein halb" : `${countOf(numerator)} halbe`;
      const base = deDE.toOrdinal(denominator).replace(/e$/u, "el"); // dritte → drittel, vierte → viertel
      return `${countOf(numerator)} ${base.replace(/ste?l$/u, "stel")}`;
    },
    acronymWords: new Set([
      "NATO",
      "ADAC",
      "UNESCO",
      "UNICEF",
      "DAX",
      "TÜV",
      "GIF",
      "PIN",
      "AIDS",
      "COVID",
      "FIFA",
      "UEFA",
      "IKEA",
      "LEGO",
      "NASA",
      "RAM",
      "ROM",
      "JSON",
      "ASCII",
      "DIN",
      "BAföG",
      "KITA",
      "Kita",
    ]),
    romanCardinalAfter: new Set([
      "Teil",
      "Kapitel",
      "Band",
      "Akt",
      "Szene",
      "Phase",
      "Typ",
      "Klasse",
      "Stufe",
      "Buch",
      "Runde",
      "Staffel",
      "Folge",
      "Weltkrieg",
      "Abschnitt",
      "Artikel",
    ]),
    regnal: (value) => `der ${capitalize(deDE.toOrdinal(BigInt(value)))}`,
    yearAfter: new Set([
      "im",
      "Im",
      "Jahr",
      "Jahre",
      "seit",
      "Seit",
      "bis",
      "von",
      "Von",
      "ab",
      "Ab",
      "um",
      "vor",
      "nach",
      "Anfang",
      "Ende",
      "Mitte",
      ...MONTHS,
    ]),
    bareYears: true,
    codeAfter: new Set(["PIN", "PLZ", "Code", "Kennwort", "Flug", "Durchwahl", "Zimmer", "Gleis", "Postleitzahl"]),
  };
}
