// Property-based tests of the text pipeline (normalize → split → phonemize → phoneme ids)
// with fast-check: random Unicode, control characters, huge numbers, markup. Every input
// either gives well-formed phoneme ids or one classified error (SsmlError: bad SSML,
// answered invalid_input); nothing else may throw, and nothing may hang (vitest's timeout).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EspeakCrashError, SsmlError } from "../src/index.js";
import { prepareText } from "../src/prepare.js";
import { parseVoiceConfig } from "../src/voice-config.js";

const lessac = parseVoiceConfig(JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "en_US-lessac-medium.onnx.json"), "utf8")));
const knownIds = new Set(Object.values(lessac.phoneme_id_map).flat());

/** Text a client could send: any code points (lone surrogates, controls, bidi, emoji), digits and units, markup. */
const pieces = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "\u0007",
    "\u001b[31m",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\r\n",
    "\t",
    "\u2028",
    "...",
    "!?",
    "$",
    "%",
    "€",
    "°C",
    "km/h",
    "Dr.",
    "1st",
    "No.",
    "&amp;",
    "<",
    ">",
    "<break/>",
    "</speak>",
  ),
  fc.oneof(
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    fc.double({ noNaN: false }).map(String),
    fc.integer().map((n) => n.toLocaleString("en-US")),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  ),
);
const texts = fc.array(pieces, { maxLength: 12 }).map((p) => p.join(" "));
const ssml = fc
  .array(
    fc.oneof(
      pieces,
      fc.constantFrom(
        "<s>",
        "</s>",
        "<p>",
        '<break time="300ms"/>',
        '<prosody rate="150%">',
        "</prosody>",
        '<say-as interpret-as="characters">',
        "</say-as>",
        "<sub alias='x'>",
        "</sub>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
      ),
    ),
    { maxLength: 12 },
  )
  .map((p) => `<speak>${p.join("")}</speak>`);

function checkPrepared(text: string, options: Parameters<typeof prepareText>[2]): void {
  try {
    const prepared = prepareText(text, lessac, options);
    for (const ids of prepared.sentences) {
      // BOS ^, pad, … , EOS $: more than the three of an empty sentence, every id in the voice's map.
      expect(ids.length).toBeGreaterThan(3);
      for (const id of ids) expect(knownIds.has(id)).toBe(true);
    }
    expect(prepared.sentenceOptions).toHaveLength(prepared.sentences.length);
  } catch (err) {
    if (err instanceof SsmlError) return; // classified: invalid_input naming the SSML
    if (err instanceof EspeakCrashError) return; // classified: invalid_input; the phonemizer process died, not this one
    throw err;
  }
}

/** Runs the check on the next turn of the event loop, so that vitest's worker keeps answering its runner while hundreds of runs go by on a busy machine. */
const onNextTurn = (check: () => void): Promise<void> =>
  new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        check();
        resolve();
      } catch (err) {
        reject(err as Error);
      }
    }),
  );

// Generous limits: 300 runs take about 5 s on an idle machine, minutes under a load of 30.
describe("text pipeline under random input (fast-check)", { timeout: 900_000 }, () => {
  it("standard and piper normalization: well-formed ids or nothing to say, never a throw", async () => {
    await fc.assert(
      fc.asyncProperty(texts, fc.constantFrom("standard" as const, "piper" as const), (text, mode) =>
        onNextTurn(() => checkPrepared(text, { textNormalization: mode, textType: "text" })),
      ),
      { numRuns: 300 },
    );
  });

  it("SSML: well-formed ids or SsmlError, never another throw", async () => {
    await fc.assert(
      fc.asyncProperty(ssml, (text) => onNextTurn(() => checkPrepared(text, { textType: "ssml" }))),
      { numRuns: 300 },
    );
  });
});
