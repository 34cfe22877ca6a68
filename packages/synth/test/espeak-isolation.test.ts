// ESPEAK_ISOLATION=process (the default): espeak-ng runs in a phonemizer child process, so a
// crash inside it (espeak-ng 1.51 reads freed memory on some foreign-script characters) ends
// that child, never the API or worker. These tests kill the child and compare its phonemes
// with espeak-ng run in this process (so the texts avoid those characters: they could crash
// this process, the test runner's).
import { execFileSync, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { espeakIsolation, phonemizeEspeak, phonemizeEspeakInProcess } from "../src/phonemize/index.js";

const TEXTS = ["Hello world. How are you?", "It costs $3.50, doesn't it; or 4 €?", "Dr. Smith lives at 221B Baker St.", "Quoi? Ça va, très bien!", "", "   "];

/** Pids of this process's phonemizer children (`ps`, by parent pid and entry file). */
function phonemizerPids(): number[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes("espeak-child"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe("espeak-ng in a phonemizer process", () => {
  it("reads ESPEAK_ISOLATION: process by default, none, and refuses anything else naming the variable", () => {
    expect(espeakIsolation({})).toBe("process");
    expect(espeakIsolation({ ESPEAK_ISOLATION: " none " })).toBe("none");
    expect(() => espeakIsolation({ ESPEAK_ISOLATION: "thread" })).toThrow(/ESPEAK_ISOLATION/);
  });

  it("gives the phonemes espeak-ng gives in this process, clause isolation on and off", () => {
    for (const text of TEXTS) {
      for (const isolateClauses of [false, true]) {
        expect(phonemizeEspeak(text, "en-us", { isolateClauses })).toEqual(phonemizeEspeakInProcess(text, "en-us", { isolateClauses }));
      }
    }
  });

  it("replaces a phonemizer killed between texts, and one killed while it reads a text; every answer is still right", async () => {
    const text = TEXTS.join(" ").repeat(40);
    const expected = phonemizeEspeakInProcess(text, "en-us");
    expect(phonemizeEspeak(text, "en-us")).toEqual(expected);
    const [first] = phonemizerPids();
    expect(first).toBeGreaterThan(0);

    process.kill(first!, "SIGSEGV");
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    expect(phonemizeEspeak(text, "en-us")).toEqual(expected);
    const [second] = phonemizerPids();
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);

    // Killed from outside shortly after the text is sent: before, during or after espeak reads it,
    // the answer comes from this child or from the fresh one that reads the text again.
    const killer = spawn("sh", ["-c", `sleep 0.05; kill -SEGV ${second}`], { stdio: "ignore" });
    expect(phonemizeEspeak(text, "en-us")).toEqual(expected);
    await new Promise((resolve) => killer.once("exit", resolve));
    expect(phonemizeEspeak(text, "en-us")).toEqual(expected);
    const [third] = phonemizerPids();
    expect(third).not.toBe(second);
  });
});
