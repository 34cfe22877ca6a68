// A phonemizer that does not answer within ESPEAK_TIMEOUT_MS is killed and the text tried in a
// fresh one; a text that fails twice throws EspeakCrashError (a job answers invalid_input) and
// this process carries on. 1 ms is less than a child needs to start, so both tries time out.
import { describe, expect, it } from "vitest";
import { EspeakCrashError, phonemizeEspeak } from "../src/phonemize/index.js";

describe("a phonemizer past its time limit", () => {
  it("throws EspeakCrashError after a second try in a fresh process", () => {
    process.env.ESPEAK_TIMEOUT_MS = "1";
    let thrown: unknown;
    try {
      phonemizeEspeak("Hello world.", "en-us");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EspeakCrashError);
    expect((thrown as EspeakCrashError).how).toBe("timeout");
    expect((thrown as Error).message).toMatch(/espeak-ng crashed \(timeout\).*also in a fresh process/);
  });
});
