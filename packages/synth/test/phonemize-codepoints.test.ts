import { describe, expect, it } from "vitest";
import { phonemizeCodepoints } from "../src/phonemize/index.js";

describe("phonemizeCodepoints (phoneme_type text)", () => {
  it("gives one sentence of NFD code points, case-folded by default as piper-phonemize does", () => {
    expect(phonemizeCodepoints("Ça va. Oui!")).toEqual([Array.from("c\u0327a va. oui!")]);
    expect(phonemizeCodepoints("ΟΔΟΣ Straße")).toEqual([Array.from("οδοσ strasse")]);
    expect(phonemizeCodepoints("ÄB", "ignore")).toEqual([["A", "\u0308", "B"]]);
  });

  it("applies the casing option first", () => {
    expect(phonemizeCodepoints("ÄB", "lower")).toEqual([["a", "\u0308", "b"]]);
    expect(phonemizeCodepoints("straße", "fold")).toEqual([Array.from("strasse")]);
  });

  it("keeps Piper's single empty sentence for an empty text", () => {
    expect(phonemizeCodepoints("")).toEqual([[]]);
  });
});
