import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_TYPES, JOB_ERROR_TYPES } from "@voxqueue/contracts";

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("README, HTTP API", () => {
  // The paragraph that lists the error types, from "Errors are always JSON" to the table.
  const section = README.slice(README.indexOf("## HTTP API"));
  const paragraph = section.slice(section.indexOf("Errors are always JSON"), section.indexOf("\n\n", section.indexOf("Errors are always JSON")));

  it("lists every error type the API answers with, with its status", () => {
    for (const [type, { status }] of Object.entries(ERROR_TYPES)) {
      if ((JOB_ERROR_TYPES as readonly string[]).includes(type) && type !== "invalid_input") {
        expect(paragraph, type).toContain(`\`${type}\``); // job failures: named, status not given
        continue;
      }
      expect(paragraph, type).toMatch(new RegExp(`\`${type}\`\\s+\\(${status}\\b`));
    }
  });
});
