import { describe, expect, it } from "vitest";
import { phonemize, phonemizeEspeak } from "../src/phonemize/index.js";

/**
 * Texts that have left espeak-ng's process-wide state changed in the past: letters of other
 * alphabets (U+AA81 made English letter names `ˈʌ, bˈʌ` until a German text was read),
 * language switches, SSML-looking markup, controls, very long words.
 */
const HOSTILE = [
  "x \uaa81 y",
  "\uaa81",
  "ꪀꪁꪂ ꪃ ꪄ",
  "Привет, мир!",
  "中文 日本語 한국어",
  "שלום עולם",
  "مرحبا بالعالم",
  "ελληνικά ΑΒΓ",
  "ᚠᚢᚦ ᛗ",
  "<speak>Hello</speak> [[ hə ]]",
  "\u202eabc\u202c \u200b\u200d",
  "a".repeat(2000),
  "1234567890123456789012345678901234567890",
  "...!?;:,",
  "\u0000\u0001\u001b[31m",
  "🙂🙂🙂 👩‍👩‍👧",
];

const FIXED = "Hello world, this is a test. a, b, c, d.";

describe("espeak state does not leak from one text into the next", () => {
  it("gives a fixed sentence the same phonemes after every hostile input", () => {
    const before = phonemize(FIXED, "en-us");
    expect(before.flat().join("")).toContain("ˈeɪ, bˈiː, sˈiː, dˈiː");
    for (const text of HOSTILE) {
      phonemize(text, "en-us");
      expect({ after: text, got: phonemize(FIXED, "en-us") }).toEqual({ after: text, got: before });
    }
  });

  it("keeps later clauses of one text clean with isolateClauses", () => {
    const clean = phonemizeEspeak("Why. A, b, c.", "en-us");
    const poisoned = phonemizeEspeak("X \uaa81. Why. A, b, c.", "en-us");
    expect(poisoned.slice(-2)).not.toEqual(clean); // Piper's behaviour: the leak within one text
    const got = phonemizeEspeak("X \uaa81. Why. A, b, c.", "en-us", { isolateClauses: true });
    expect(got.slice(-2)).toEqual(clean);
  });
});
