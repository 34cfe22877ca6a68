import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { splitAtFirstClause } from "../src/pipeline/clause-split.js";
import { prepareText } from "../src/prepare.js";
import { parseVoiceConfig } from "../src/voice-config.js";

const lessac = parseVoiceConfig(JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "en_US-lessac-medium.onnx.json"), "utf8")));
const id = (symbol: string) => lessac.phoneme_id_map[symbol]![0]!;
const ids = (text: string) => prepareText(text, lessac).sentences[0]!;

describe("splitAtFirstClause", () => {
  it("splits after the first comma into two complete model inputs that keep every phoneme", () => {
    const whole = ids("When the storm came in from the west, the waves climbed the sea wall.");
    const parts = splitAtFirstClause(whole, lessac)!;
    expect(parts).not.toBeNull();
    const [first, rest] = parts;
    for (const part of parts) {
      expect(part.slice(0, 2)).toEqual([id("^"), id("_")]);
      expect(part.at(-1)).toBe(id("$"));
    }
    // The first part ends with the comma and its pad; the second drops the word space after it.
    expect(first.slice(-3)).toEqual([id(","), id("_"), id("$")]);
    expect(rest[2]).not.toBe(id(" "));
    const inner = (p: number[]) => p.slice(2, -1);
    expect([...inner(first), id(" "), id("_"), ...inner(rest)]).toEqual(inner(whole));
    expect(first.length).toBeLessThan(whole.length);
  });

  it("leaves a sentence without clause punctuation, or with too little on one side, whole", () => {
    expect(splitAtFirstClause(ids("The delivery van turned left at the old stone bridge."), lessac)).toBeNull();
    expect(splitAtFirstClause(ids("Oh, fine."), lessac)).toBeNull();
    expect(splitAtFirstClause(ids("Well, I see."), lessac)).toBeNull();
  });

  it("splits at a semicolon or colon too", () => {
    expect(splitAtFirstClause(ids("The harbour wakes early; the town sleeps on."), lessac)).not.toBeNull();
    expect(splitAtFirstClause(ids("There is one rule here: nothing happens quickly."), lessac)).not.toBeNull();
  });
});
