import { describe, expect, it } from "vitest";
import { clauseEnd } from "../src/phonemize/clause-end.js";

// `span` is what one espeak_TextToPhonemes call consumed: the clause, the spaces after it and
// the one character espeak read ahead (absent at the end of the text).
const end = (span: string, atEnd = false) => {
  const e = clauseEnd(span, atEnd);
  return { punctuation: e.phonemes.join(""), sentence: e.endsSentence };
};

describe("clauseEnd (espeak ReadClause rules, Piper's terminator mapping)", () => {
  it("maps . ? ! alone and , : ; with a space", () => {
    expect(end("Hi. T")).toEqual({ punctuation: ".", sentence: true });
    expect(end("Hi? t")).toEqual({ punctuation: "?", sentence: true });
    expect(end("Hi! t")).toEqual({ punctuation: "!", sentence: true });
    expect(end("Hi, t")).toEqual({ punctuation: ", ", sentence: false });
    expect(end("Hi: t")).toEqual({ punctuation: ": ", sentence: false });
    expect(end("Hi; t")).toEqual({ punctuation: "; ", sentence: false });
  });

  it("lets the first mark of a run decide", () => {
    expect(end("Hi?! T").punctuation).toBe("?");
    expect(end("Hi!? T").punctuation).toBe("!");
    expect(end("Hi,. T").punctuation).toBe(", ");
    expect(end("Hi.. T").punctuation).toBe(".");
  });

  it("reads three or more dots as an ellipsis: a clause end with no phoneme", () => {
    expect(end("Hi... T")).toEqual({ punctuation: "", sentence: false });
    expect(end("Hi\u2026 T")).toEqual({ punctuation: "", sentence: false });
  });

  it("skips a multi-byte look-ahead character as one", () => {
    expect(end("gut. Ü")).toEqual({ punctuation: ".", sentence: true });
  });

  it("accepts a closing bracket or quote right after the mark", () => {
    expect(end('"Hi."')).toEqual({ punctuation: ".", sentence: true });
  });

  it("makes two or more newlines a paragraph: sentence end, no phoneme", () => {
    expect(end("Hi.\n\nT")).toEqual({ punctuation: "", sentence: true });
    expect(end("one\n \nt")).toEqual({ punctuation: "", sentence: true });
    expect(end("Hi.\nT")).toEqual({ punctuation: ".", sentence: true });
  });

  it("ends the sentence at the end of the text, with punctuation only if the text has it", () => {
    expect(end("test", true)).toEqual({ punctuation: "", sentence: true });
    expect(end("test. ", true)).toEqual({ punctuation: ".", sentence: true });
  });

  it("sees no clause end where espeak broke a long clause or a dot precedes a lower-case word", () => {
    expect(end("word w")).toEqual({ punctuation: "", sentence: false });
    expect(end("3.5")).toEqual({ punctuation: "", sentence: false });
    expect(end("Dr. s")).toEqual({ punctuation: "", sentence: false });
    expect(end("Dr.\ns").punctuation).toBe(".");
  });

  it("ignores punctuation in a clause without letters or digits", () => {
    expect(end("?", true)).toEqual({ punctuation: "", sentence: true });
  });

  it("maps CJK and Devanagari sentence marks to a sentence end without a phoneme", () => {
    expect(end("好。我")).toEqual({ punctuation: "", sentence: true });
    expect(end("है। म")).toEqual({ punctuation: "", sentence: true });
    expect(end("مرحبا، ك").punctuation).toBe(", ");
  });
});
