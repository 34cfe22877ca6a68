import { SaxesParser, type SaxesTagPlain } from "saxes";

/** Malformed SSML, or a value out of range: where in the text, and what is wrong. */
export class SsmlError extends Error {
  override readonly name = "SsmlError";
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`SSML is malformed at line ${line}, column ${column}: ${reason}`);
  }
}

/** One item of an SSML document, in reading order. Offsets index the SSML text. */
export type SsmlItem =
  | { type: "text"; text: string; start: number; end: number; rate: number }
  /** Text read with a say-as rule (`interpret-as`, `format`). */
  | { type: "say-as"; text: string; interpretAs: string; format: string | undefined; start: number; end: number; rate: number }
  /** `<sub alias>`: the alias is read for the element's text. */
  | { type: "sub"; alias: string; start: number; end: number; rate: number }
  /** `<phoneme alphabet="ipa" ph>`: IPA phonemes for the element's text. */
  | { type: "phoneme"; ipa: string; text: string; start: number; end: number; rate: number }
  | { type: "break"; seconds: number }
  /** The end of an `<s>` or `<p>`: a sentence boundary. */
  | { type: "boundary" }
  /** `<voice name>` opened or closed: the voice of the items that follow (undefined: the job's). */
  | { type: "voice"; name: string | undefined };

/** Silence of `<break strength>` in seconds (W3C SSML 1.1 names; the values are ours). */
export const BREAK_STRENGTH_SECONDS: Readonly<Record<string, number>> = {
  none: 0,
  "x-weak": 0.1,
  weak: 0.25,
  medium: 0.5,
  strong: 0.75,
  "x-strong": 1.25,
};
/** The longest `<break>`, seconds. */
export const MAX_BREAK_SECONDS = 10;
/** `<prosody rate>` names → speaking rate (1 = the voice's). */
export const RATE_NAMES: Readonly<Record<string, number>> = { "x-slow": 0.5, slow: 0.75, medium: 1, default: 1, fast: 1.25, "x-fast": 1.75 };
/** The slowest and fastest rate accepted. */
export const RATE_LIMITS = { min: 0.25, max: 4 } as const;

/** Whether a job's text is SSML: `text_type: "ssml"`, or the text starts with `<speak`. */
export function isSsml(text: string, textType?: "text" | "ssml"): boolean {
  return textType === "ssml" || (textType === undefined && /^\s*(?:<\?xml[^>]*\?>\s*)?<speak[\s>/]/u.test(text));
}

interface Open {
  name: string;
  rate: number;
  start: number;
  text: string;
  attributes: Record<string, string>;
}

/**
 * Parses the SSML subset voxqueue reads: `speak`, `p`, `s`, `break` (time, strength), `say-as`
 * (interpret-as, format), `sub` (alias), `phoneme` (alphabet="ipa", ph), `prosody` (rate) and
 * `voice` (name). Other elements are read as their text content, never as tag names. Parsed
 * by saxes, which expands only XML's five predefined entities and character references; a
 * DOCTYPE (where other entities would be declared) is refused.
 *
 * @param ssml the document, `<speak>` at its root
 * @returns the items in reading order
 * @throws SsmlError with the line and column of the first problem
 */
export function parseSsml(ssml: string): SsmlItem[] {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const items: SsmlItem[] = [];
  const stack: Open[] = [];
  let error: SsmlError | undefined;
  let afterTag = 0;
  const fail = (reason: string) => {
    error ??= new SsmlError(parser.line, parser.column, reason);
  };
  const inside = (name: string) => stack.find((o) => o.name === name);
  parser.on("error", (err) => {
    const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/su.exec(err.message);
    error ??= m ? new SsmlError(Number(m[1]), Number(m[2]), m[3]!) : new SsmlError(parser.line, parser.column, err.message);
  });
  parser.on("doctype", () => fail("a DOCTYPE is not allowed (no entity declarations)"));
  parser.on("text", (text) => {
    const start = afterTag;
    const end = start + text.length;
    const capture = stack.findLast((o) => o.name === "say-as" || o.name === "sub" || o.name === "phoneme");
    if (capture) capture.text += text;
    else if (stack.length > 0 && text.trim() !== "") items.push({ type: "text", text, start, end, rate: stack.at(-1)!.rate });
  });
  parser.on("cdata", (text) => {
    if (stack.length > 0) items.push({ type: "text", text, start: afterTag, end: afterTag + text.length, rate: stack.at(-1)!.rate });
  });
  parser.on("opentag", (tag: SaxesTagPlain) => {
    const name = tag.name;
    const attributes = tag.attributes as Record<string, string>;
    const parentRate = stack.at(-1)?.rate ?? 1;
    if (stack.length === 0 && name !== "speak") fail(`the root element must be <speak>, not <${name}>`);
    let rate = parentRate;
    if (name === "prosody" && attributes.rate !== undefined) {
      const r = parseRate(attributes.rate);
      if (r === undefined) fail(`prosody rate "${attributes.rate}" is not x-slow, slow, medium, fast, x-fast or a percentage`);
      else if (r * parentRate < RATE_LIMITS.min || r * parentRate > RATE_LIMITS.max)
        fail(`prosody rate must stay between ${RATE_LIMITS.min * 100}% and ${RATE_LIMITS.max * 100}%`);
      else rate = parentRate * r;
    }
    if (name === "break") {
      const seconds = breakSeconds(attributes);
      if (typeof seconds === "string") fail(seconds);
      else items.push({ type: "break", seconds });
    }
    if (name === "phoneme" && (attributes.alphabet ?? "ipa") !== "ipa") fail(`phoneme alphabet "${attributes.alphabet}" is not supported (only ipa)`);
    if (name === "phoneme" && !attributes.ph) fail("phoneme needs a ph attribute");
    if (name === "sub" && attributes.alias === undefined) fail("sub needs an alias attribute");
    if (name === "say-as" && !attributes["interpret-as"]) fail("say-as needs an interpret-as attribute");
    if (name === "voice") items.push({ type: "voice", name: attributes.name });
    if ((name === "s" || name === "p") && !inside("say-as")) items.push({ type: "boundary" });
    stack.push({ name, rate, start: parser.position, text: "", attributes });
    afterTag = parser.position;
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    const open = stack.pop()!;
    const end = afterTag + 0;
    const start = open.start;
    const rate = open.rate;
    if (tag.name === "say-as")
      items.push({
        type: "say-as",
        text: open.text,
        interpretAs: open.attributes["interpret-as"]!,
        format: open.attributes.format,
        start,
        end: Math.max(start, parser.position - `</${tag.name}>`.length),
        rate,
      });
    else if (tag.name === "sub") items.push({ type: "sub", alias: open.attributes.alias ?? "", start, end: Math.max(start, parser.position - 6), rate });
    else if (tag.name === "phoneme")
      items.push({ type: "phoneme", ipa: open.attributes.ph ?? "", text: open.text, start, end: Math.max(start, parser.position - 10), rate });
    else if (tag.name === "s" || tag.name === "p") items.push({ type: "boundary" });
    else if (tag.name === "voice") items.push({ type: "voice", name: stack.findLast((o) => o.name === "voice")?.attributes.name });
    void end;
    afterTag = parser.position;
  });
  try {
    parser.write(ssml).close();
  } catch (err) {
    error ??= new SsmlError(parser.line, parser.column, (err as Error).message);
  }
  if (error) throw error;
  return items;
}

/** `150%`, `+20%`, `0.8` or a rate name → the speaking rate; undefined when unreadable. */
function parseRate(value: string): number | undefined {
  const v = value.trim();
  if (Object.hasOwn(RATE_NAMES, v)) return RATE_NAMES[v];
  const pct = /^([+-]?)(\d+(?:\.\d+)?)%$/u.exec(v);
  if (pct) return pct[1] === "" ? Number(pct[2]) / 100 : 1 + (pct[1] === "-" ? -1 : 1) * (Number(pct[2]) / 100);
  if (/^\d+(?:\.\d+)?$/u.test(v)) return Number(v);
  return undefined;
}

/** A break's seconds from `time` (`500ms`, `1.5s`) or `strength`; a message when invalid. */
function breakSeconds(attributes: Record<string, string>): number | string {
  if (attributes.time !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/u.exec(attributes.time);
    if (!m) return `break time "${attributes.time}" must be a duration such as 500ms or 1.5s`;
    const seconds = Number(m[1]) / (m[2] === "ms" ? 1000 : 1);
    return seconds > MAX_BREAK_SECONDS ? `break time must be at most ${MAX_BREAK_SECONDS}s` : seconds;
  }
  const strength = attributes.strength ?? "medium";
  if (!Object.hasOwn(BREAK_STRENGTH_SECONDS, strength)) return `break strength "${strength}" is not one of ${Object.keys(BREAK_STRENGTH_SECONDS).join(", ")}`;
  return BREAK_STRENGTH_SECONDS[strength]!;
}
