import * as enGB from "n2words/en-GB";
import * as enUS from "n2words/en-US";
import { capitalize, currency, ending, title, type Abbreviation, type TextLanguage, type UnitNames } from "./language.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

const dollar = currency("dollar", "dollars", "cent", "cents");
const euro = currency("euro", "euros", "cent", "cents");
const pound = currency("pound", "pounds", "penny", "pence");
const yen = currency("yen", "yen", "sen", "sen");
const franc = currency("franc", "francs", "centime", "centimes");
const rupee = currency("rupee", "rupees", "paisa", "paise");

const unit = (one: string, many = `${one}s`): UnitNames => ({ one, many });
const UNITS: [string, UnitNames][] = [
  ["km", unit("kilometer")],
  ["m", unit("meter")],
  ["cm", unit("centimeter")],
  ["mm", unit("millimeter")],
  ["mi", unit("mile")],
  ["ft", unit("foot", "feet")],
  ["yd", unit("yard")],
  ["kg", unit("kilogram")],
  ["g", unit("gram")],
  ["mg", unit("milligram")],
  ["lb", unit("pound")],
  ["lbs", unit("pound")],
  ["oz", unit("ounce")],
  ["l", unit("liter")],
  ["L", unit("liter")],
  ["ml", unit("milliliter")],
  ["mL", unit("milliliter")],
  ["°C", unit("degree Celsius", "degrees Celsius")],
  ["°F", unit("degree Fahrenheit", "degrees Fahrenheit")],
  ["°", unit("degree")],
  ["km/h", unit("kilometer per hour", "kilometers per hour")],
  ["mph", unit("mile per hour", "miles per hour")],
  ["h", unit("hour")],
  ["hrs", unit("hour")],
  ["min", unit("minute")],
  ["s", unit("second")],
  ["sec", unit("second")],
  ["ms", unit("millisecond")],
  ["KB", unit("kilobyte")],
  ["kB", unit("kilobyte")],
  ["MB", unit("megabyte")],
  ["GB", unit("gigabyte")],
  ["TB", unit("terabyte")],
  ["Hz", unit("hertz", "hertz")],
  ["kHz", unit("kilohertz", "kilohertz")],
  ["MHz", unit("megahertz", "megahertz")],
  ["GHz", unit("gigahertz", "gigahertz")],
  ["W", unit("watt")],
  ["kW", unit("kilowatt")],
  ["kWh", unit("kilowatt hour")],
  ["V", unit("volt")],
  ["mAh", unit("milliamp hour")],
];

const ABBREVIATIONS: [string, Abbreviation][] = [
  ["Dr.", title("Doctor")],
  ["Mr.", title("Mister")],
  ["Mr", title("Mister")],
  ["Mrs", title("Missus")],
  ["Dr", title("Doctor")],
  ["Mrs.", title("Missus")],
  ["Ms.", title("Miz")],
  ["Prof.", title("Professor")],
  ["Rev.", title("Reverend")],
  ["Gen.", title("General")],
  ["Capt.", title("Captain")],
  ["Sgt.", title("Sergeant")],
  ["Lt.", title("Lieutenant")],
  ["Gov.", title("Governor")],
  ["Sen.", title("Senator")],
  ["Rep.", title("Representative")],
  ["Mt.", title("Mount")],
  ["St.", title("Saint")],
  ["Ft.", title("Fort")],
  ["e.g.", title("for example")],
  ["i.e.", title("that is")],
  ["incl.", title("including")],
  ["excl.", title("excluding")],
  ["vs.", title("versus")],
  ["approx.", title("approximately")],
  ["appr.", title("approximately")],
  ["cf.", title("compare")],
  ["No.", title("number")],
  ["Nos.", title("numbers")],
  ["no.", title("number")],
  ["Vol.", title("volume")],
  ["vol.", title("volume")],
  ["Fig.", title("figure")],
  ["fig.", title("figure")],
  ["p.", title("page")],
  ["pp.", title("pages")],
  ["ca.", title("circa")],
  ["c.", title("circa")],
  ["Jan.", title("January")],
  ["Feb.", title("February")],
  ["Mar.", title("March")],
  ["Apr.", title("April")],
  ["Jun.", title("June")],
  ["Jul.", title("July")],
  ["Aug.", title("August")],
  ["Sep.", title("September")],
  ["Sept.", title("September")],
  ["Oct.", title("October")],
  ["Nov.", title("November")],
  ["Dec.", title("December")],
  ["etc.", ending("et cetera")],
  ["Inc.", ending("Incorporated")],
  ["Ltd.", ending("Limited")],
  ["Co.", ending("Company")],
  ["Corp.", ending("Corporation")],
  ["Jr.", ending("Junior")],
  ["Sr.", ending("Senior")],
  ["Ave.", ending("Avenue")],
  ["Rd.", ending("Road")],
  ["Blvd.", ending("Boulevard")],
  ["Ln.", ending("Lane")],
  ["Sq.", ending("Square")],
  ["Dept.", ending("Department")],
  ["dept.", ending("department")],
  ["est.", ending("established")],
  ["min.", ending("minimum")],
  ["max.", ending("maximum")],
  ["a.m.", ending("AM")],
  ["p.m.", ending("PM")],
  ["U.S.", ending("U-S")],
  ["U.K.", ending("U-K")],
  ["U.S.A.", ending("U-S-A")],
  ["E.U.", ending("E-U")],
];

const SYMBOLS: [string, string][] = [
  ["&", "and"],
  ["+", "plus"],
  ["@", "at"],
  ["%", "percent"],
  ["=", "equals"],
  ["×", "times"],
  ["÷", "divided by"],
  ["~", "about"],
  ["≈", "about"],
  ["°", "degrees"],
  ["§", "section"],
  ["€", "euros"],
  ["$", "dollars"],
  ["£", "pounds"],
  ["<", "less than"],
  [">", "greater than"],
  ["±", "plus or minus"],
  ["→", "to"],
];

/** Roman numerals after these words count (`World War II` → `World War Two`). */
const ROMAN_CARDINAL_AFTER = [
  "War",
  "Part",
  "Chapter",
  "Volume",
  "Vol.",
  "Act",
  "Scene",
  "Phase",
  "Type",
  "Class",
  "Stage",
  "Book",
  "Bowl",
  "Apollo",
  "Rocky",
  "Level",
  "Grade",
  "Section",
  "Article",
  "Appendix",
  "Round",
  "Episode",
  "Season",
  "Star",
  "Mark",
  "Henry's",
];
const YEAR_AFTER = [
  "in",
  "In",
  "since",
  "Since",
  "until",
  "Until",
  "by",
  "By",
  "of",
  "year",
  "Year",
  "from",
  "From",
  "to",
  "before",
  "Before",
  "after",
  "After",
  "circa",
  "around",
  "during",
  "During",
  "early",
  "late",
  "mid",
  "summer",
  "winter",
  "spring",
  "autumn",
  "fall",
  "class",
  "between",
  "and",
  ...MONTHS,
];
const ACRONYM_WORDS = [
  "NASA",
  "NATO",
  "UNESCO",
  "UNICEF",
  "LASER",
  "RADAR",
  "SCUBA",
  "AIDS",
  "COVID",
  "OPEC",
  "FIFA",
  "IKEA",
  "LEGO",
  "NASDAQ",
  "GIF",
  "JPEG",
  "PIN",
  "ZIP",
  "ASCII",
  "SIM",
  "RAM",
  "ROM",
  "CAPTCHA",
  "SWAT",
  "ASAP",
  "YAML",
  "JSON",
  "WIFI",
  "NAFTA",
  "UEFA",
  "DAX",
  "INTERPOL",
  "EXPO",
];
const CODE_AFTER = ["PIN", "ZIP", "code", "Code", "flight", "Flight", "extension", "ext.", "room", "Room", "gate", "Gate"];

/**
 * English (`en-US` or `en-GB`): number words from n2words (`en-US` without "and", `en-GB` with
 * "one hundred and one"), US dates month first (12/03/2026 is December 3) and British day first.
 */
export function english(tag: "en-US" | "en-GB"): TextLanguage {
  const words = tag === "en-GB" ? enGB : enUS;
  const cardinal = (value: bigint): string => words.toCardinal(value);
  // n2words has no ordinal of 0 (a RangeError: "Ordinals must be positive integers"), and "the 0th
  // element" is everyday text (found by pnpm fuzz, text-pipeline).
  const ordinal = (value: bigint): string => (value === 0n ? "zeroth" : words.toOrdinal(value));
  const year = (value: number): string => {
    if (value % 1000 < 10 && value % 1000 !== 0 && value >= 2000) return cardinal(BigInt(value)); // 2005: two thousand five
    if (value % 1000 === 0) return cardinal(BigInt(value));
    const hi = Math.floor(value / 100);
    const lo = value % 100;
    if (lo === 0) return `${cardinal(BigInt(hi))} hundred`;
    return `${cardinal(BigInt(hi))} ${lo < 10 ? `oh ${DIGITS[lo]}` : cardinal(BigInt(lo))}`;
  };
  const monthByName = new Map<string, number>();
  MONTHS.forEach((m, i) => {
    monthByName.set(m, i + 1);
    monthByName.set(m.slice(0, 3), i + 1);
  });
  monthByName.set("Sept", 9);
  return {
    tag,
    cardinal,
    countOf: cardinal,
    ordinal,
    year,
    decimalSeparator: ".",
    groupSeparator: ",",
    pointWord: "point",
    minusWord: "minus",
    digits: DIGITS,
    dateOrder: tag === "en-US" ? "mdy" : "dmy",
    months: MONTHS,
    monthByName,
    date(day, month, yearValue) {
      const y = yearValue === undefined ? "" : `, ${year(yearValue)}`;
      const d = ordinal(BigInt(day));
      return tag === "en-US" ? `${MONTHS[month - 1]} ${d}${y}` : `the ${d} of ${MONTHS[month - 1]}${y}`;
    },
    time(hours, minutes, meridiem) {
      const h = cardinal(BigInt(hours));
      const m =
        minutes === 0
          ? meridiem
            ? ""
            : hours > 12 || hours === 0
              ? " hundred"
              : " o'clock"
          : minutes < 10
            ? ` oh ${DIGITS[minutes]}`
            : ` ${cardinal(BigInt(minutes))}`;
      return `${h}${m}${meridiem ? ` ${meridiem}` : ""}`;
    },
    currencies: new Map([
      ["$", dollar],
      ["US$", dollar],
      ["USD", dollar],
      ["€", euro],
      ["EUR", euro],
      ["£", pound],
      ["GBP", pound],
      ["¥", yen],
      ["JPY", yen],
      ["CHF", franc],
      ["₹", rupee],
      ["INR", rupee],
    ]),
    andWord: "and",
    scales: new Map([
      ["k", { value: 1_000n, words: "thousand" }],
      ["K", { value: 1_000n, words: "thousand" }],
      ["m", { value: 1_000_000n, words: "million" }],
      ["M", { value: 1_000_000n, words: "million" }],
      ["mn", { value: 1_000_000n, words: "million" }],
      ["million", { value: 1_000_000n, words: "million" }],
      ["bn", { value: 1_000_000_000n, words: "billion" }],
      ["B", { value: 1_000_000_000n, words: "billion" }],
      ["billion", { value: 1_000_000_000n, words: "billion" }],
      ["trillion", { value: 1_000_000_000_000n, words: "trillion" }],
    ]),
    units: new Map(UNITS),
    abbreviations: new Map(ABBREVIATIONS),
    street: "Street",
    saint: "Saint",
    symbols: new Map(SYMBOLS),
    percentWord: "percent",
    numberWord: "number",
    dotWord: "dot",
    atWord: "at",
    slashWord: "slash",
    colonWord: "colon",
    rangeWord: "to",
    fraction(numerator, denominator) {
      if (denominator === 2n) return numerator === 1n ? "one half" : `${cardinal(numerator)} halves`;
      if (denominator === 4n) return numerator === 1n ? "one quarter" : `${cardinal(numerator)} quarters`;
      const name = ordinal(denominator);
      return `${cardinal(numerator)} ${name}${numerator === 1n ? "" : "s"}`;
    },
    acronymWords: new Set(ACRONYM_WORDS),
    romanCardinalAfter: new Set(ROMAN_CARDINAL_AFTER),
    regnal: (value) => `the ${capitalize(ordinal(BigInt(value)))}`,
    yearAfter: new Set(YEAR_AFTER),
    bareYears: false,
    codeAfter: new Set(CODE_AFTER),
  };
}
