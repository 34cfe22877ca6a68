// The rebinding that lets Jazzer.js's Linux prebuild load on glibc < 2.38 (glibc-compat.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jazzerAddonPath, relaxGlibcRequirements } from "../src/glibc-compat.js";

describe("relaxGlibcRequirements", () => {
  it.runIf(process.platform === "linux" && process.arch === "x64")(
    "rebinds the prebuild's two C23 imports and makes its glibc 2.38 and GCC 13 requirements weak",
    () => {
      const elf = readFileSync(jazzerAddonPath());
      expect(relaxGlibcRequirements(elf).sort()).toEqual(["GLIBCXX_3.4.32 weak", "GLIBC_2.38 weak", "strtol", "strtoul"]);
      // The rewritten object has nothing left to rebind: its imports are the classic names now.
      expect(elf.includes("__isoc23_strtol\0")).toBe(true); // the string stays; no symbol points at its start
      expect(relaxGlibcRequirements(elf).sort()).toEqual(["GLIBCXX_3.4.32 weak", "GLIBC_2.38 weak"]);
    },
  );

  it("refuses what is not an ELF64 object", () => {
    expect(() => relaxGlibcRequirements(Buffer.from("#!/bin/sh\necho not elf\n"))).toThrow(/not an ELF64/);
  });
});
