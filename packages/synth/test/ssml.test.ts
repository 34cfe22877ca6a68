import { describe, expect, it } from "vitest";
import { SsmlError, isSsml, parseSsml } from "../src/ssml/parse.js";
import { readSsml } from "../src/ssml/read.js";
import { readText } from "../src/read-text.js";

const EN = { espeakVoice: "en-us", languageCode: "en_US" };
const said = (ssml: string) => readSsml(ssml, EN).map((s) => s.spoken);

describe("SSML subset", () => {
  it("is recognised by text_type or a leading <speak>", () => {
    expect(isSsml("  <speak>hi</speak>")).toBe(true);
    expect(isSsml('<?xml version="1.0"?><speak>hi</speak>')).toBe(true);
    expect(isSsml("I <speak> softly")).toBe(false);
    expect(isSsml("<speak>hi</speak>", "text")).toBe(false);
    expect(isSsml("hi", "ssml")).toBe(true);
  });

  it("reads text, never tag names: a break is silence, unknown tags are their content", () => {
    const segments = readSsml('<speak>Hello <break time="1s"/> world <foo bar="x">and more</foo></speak>', EN);
    expect(segments.map((s) => [s.spoken, s.pauseBeforeSeconds])).toEqual([
      ["Hello", undefined],
      ["world and more", 1],
    ]);
    expect(segments.flatMap((s) => s.phonemes.flat()).join("")).not.toMatch(/bɹˈeɪk|spˈiːk|fˈuː/u);
  });

  it("reads break strengths and sums breaks in a row", () => {
    const segments = readSsml('<speak>a<break strength="strong"/><break time="250ms"/>b<break strength="none"/>c</speak>', EN);
    expect(segments.map((s) => s.pauseBeforeSeconds)).toEqual([undefined, 1, 0]);
  });

  it("ends a sentence at </s> and </p>", () => {
    expect(said("<speak><p><s>First one</s><s>second one</s></p><p>Third</p></speak>")).toEqual(["First one", "second one", "Third"]);
  });

  it.each([
    ['<say-as interpret-as="characters">abc1</say-as>', "A B C one"],
    ['<say-as interpret-as="cardinal">1,234</say-as>', "one thousand two hundred thirty-four"],
    ['<say-as interpret-as="ordinal">3</say-as>', "third"],
    ['<say-as interpret-as="date" format="mdy">12/03/2026</say-as>', "December third, twenty twenty-six"],
    ['<say-as interpret-as="date" format="dmy">12/03/2026</say-as>', "March twelfth, twenty twenty-six"],
    ['<say-as interpret-as="date" format="y">1999</say-as>', "nineteen ninety-nine"],
    ['<say-as interpret-as="time">9:30pm</say-as>', "nine thirty PM"],
    ['<say-as interpret-as="telephone">+1-800-555-0199</say-as>', "plus one, eight zero zero, five five five, zero one nine nine"],
    ['<sub alias="World Wide Web Consortium">W3C</sub>', "World Wide Web Consortium"],
    ["Dr. Smith paid $5", "Doctor Smith paid five dollars"],
  ])("reads %s as %j", (inner, expected) => {
    expect(said(`<speak>${inner}</speak>`)).toEqual([expected]);
  });

  it("sends <phoneme ph> to the model as its IPA, mapped to the element's word", () => {
    const ssml = '<speak>Say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme> now</speak>';
    const [segment] = readSsml(ssml, EN);
    expect(segment!.phonemes.flat().join("")).toContain("təˈmɑːtoʊ");
    const word = segment!.words.find((w) => w.word === "tomato")!;
    expect(ssml.slice(word.start, word.end)).toBe("tomato");
  });

  it("gives prosody rates per segment, nested rates multiplied", () => {
    const segments = readSsml('<speak>plain <prosody rate="slow">slow <prosody rate="200%">faster</prosody></prosody></speak>', EN);
    expect(segments.map((s) => [s.spoken, s.rate])).toEqual([
      ["plain", undefined],
      ["slow", 0.75],
      ["faster", 1.5],
    ]);
  });

  it("maps words to the characters of the SSML text", () => {
    const ssml = "<speak>Hello <s>Dr. Smith</s></speak>";
    const words = readSsml(ssml, EN).flatMap((s) => s.words);
    expect(words.map((w) => [w.word, ssml.slice(w.start, w.end)])).toEqual([
      ["Hello", "Hello"],
      ["Doctor", "Dr."],
      ["Smith", "Smith"],
    ]);
  });

  it.each([
    ['<speak>Hello <break time="1s"> world</speak>', 1, /close tag/u],
    ["<speak>\n  fish &amp; chips &nope;</speak>", 2, /undefined entity/u],
    ['<!DOCTYPE speak [<!ENTITY x "boom">]><speak>&x;</speak>', 1, /DOCTYPE/u],
    ['<speak><break time="20s"/></speak>', 1, /at most 10s/u],
    ['<speak><prosody rate="warp">x</prosody></speak>', 1, /prosody rate/u],
    ['<speak><phoneme alphabet="x-sampa" ph="t@">x</phoneme></speak>', 1, /only ipa/u],
    ["<p>no speak root</p>", 1, /root element must be <speak>/u],
  ])("refuses %j with its line and column", (ssml, line, reason) => {
    let error: unknown;
    try {
      parseSsml(ssml);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SsmlError);
    expect((error as SsmlError).line).toBe(line);
    expect((error as SsmlError).column).toBeGreaterThan(0);
    expect((error as SsmlError).message).toMatch(reason);
    expect((error as SsmlError).message).toMatch(/^SSML is malformed at line \d+, column \d+: /u);
  });

  it("is read by readText in either mode", () => {
    for (const mode of ["standard", "piper"] as const) {
      expect(readText("<speak>Hello <break/> there</speak>", EN, mode).map((s) => s.spoken)).toEqual(["Hello", "there"]);
    }
  });
});
