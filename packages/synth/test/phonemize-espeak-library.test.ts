import { describe, expect, it } from "vitest";
import { EspeakEngine, EspeakNotFoundError, espeakLocationFromEnv } from "../src/phonemize/index.js";

describe("EspeakEngine loading", () => {
  it("reads ESPEAK_NG_LIB and ESPEAK_NG_DATA, ignoring empty values", () => {
    expect(espeakLocationFromEnv({ ESPEAK_NG_LIB: "/x/lib.so", ESPEAK_NG_DATA: " " })).toEqual({ library: "/x/lib.so" });
  });

  it("says what to install when the library is missing", () => {
    const load = () => new EspeakEngine({ library: "/nonexistent/libespeak-ng.so.1" });
    expect(load).toThrow(EspeakNotFoundError);
    expect(load).toThrow(/apt-get install libespeak-ng1 espeak-ng-data/u);
  });

  it("rejects a data path without espeak-ng-data instead of falling back silently", () => {
    expect(() => new EspeakEngine({ dataPath: "/nonexistent" })).toThrow(/ESPEAK_NG_DATA=\/nonexistent/u);
  });
});
