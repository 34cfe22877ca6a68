import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@voxqueue/telemetry";
import { DefaultVoiceWatch } from "../src/default-voice.js";
import { LogCapture, MULTI, SINGLE, createHarness, type Harness } from "./helpers.js";

// Redis db 2 is this file's alone; "test-worker" publishes the voices each test needs.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 2, voices: [SINGLE] });
});
afterAll(async () => {
  await h.close();
});

function watch(defaultVoice?: string) {
  const logs = new LogCapture();
  const w = new DefaultVoiceWatch(h.fleet, { defaultVoice, catalogMaxAgeMs: 60_000, logger: createLogger("api-test", "info", logs) });
  return { w, logs };
}

describe("default voice at start", () => {
  it("says which voice is used when one is installed, warns once a second voice makes the choice depend on sort order, and warns when it changes", async () => {
    await h.fleet.publishVoices("test-worker", [SINGLE]);
    const { w, logs } = watch();
    await w.check();
    expect(logs.lines.map((l) => [l.level, l.msg])).toEqual([
      ["info", `default voice: ${SINGLE.id} (the only voice installed; set DEFAULT_VOICE to keep it when voices are added)`],
    ]);
    await w.check(); // nothing changed: nothing said
    expect(logs.lines).toHaveLength(1);
    // A second worker brings MULTI, whose id sorts first: requests without a voice now get it.
    await h.fleet.publishVoices("other-worker", [MULTI]);
    await w.check();
    expect(logs.lines[1]).toMatchObject({ level: "warn", default_voice: MULTI.id, previous_default_voice: SINGLE.id });
    expect(logs.lines[1]!.msg).toMatch(/the default voice changed from .* to .*: set DEFAULT_VOICE/);
    await h.fleet.leave("other-worker");
  });

  it("warns at start when several voices are installed and DEFAULT_VOICE is unset", async () => {
    await h.fleet.publishVoices("test-worker", [SINGLE, MULTI]);
    const { w, logs } = watch();
    await w.check();
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: "warn", default_voice: MULTI.id, voices: [MULTI.id, SINGLE.id] });
    expect(logs.lines[0]!.msg).toMatch(/^DEFAULT_VOICE is unset and 2 voices are installed: requests without a voice get .* \(the first by id\)/);
  });

  it("with DEFAULT_VOICE: says so once, and warns when no worker has that voice", async () => {
    await h.fleet.publishVoices("test-worker", [SINGLE, MULTI]);
    const chosen = watch(SINGLE.id);
    await chosen.w.check();
    await chosen.w.check();
    expect(chosen.logs.lines.map((l) => [l.level, l.msg])).toEqual([["info", `default voice: ${SINGLE.id} (DEFAULT_VOICE)`]]);
    const missing = watch("xx_XX-gone-low");
    await missing.w.check();
    expect(missing.logs.lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", 'DEFAULT_VOICE "xx_XX-gone-low" is not installed on any worker: requests without a voice get 503 until it is'],
    ]);
  });
});
