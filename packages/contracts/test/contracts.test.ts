import { describe, expect, it } from "vitest";
import {
  ERROR_TYPES,
  JOB_ERROR_TYPES,
  VoxqueueError,
  createJobRequestSchema,
  hashApiKey,
  parseApiKeysFile,
  queueForVoice,
  synthJobDataSchema,
} from "../src/index.js";
import { laneOfQueue, laneQueue, laneQueues } from "../src/queue.js";

const schema = createJobRequestSchema({ maxTextChars: 20 });
const firstIssuePath = (body: unknown) => {
  const r = schema.safeParse(body);
  return r.success ? null : r.error.issues[0]!.path.join(".");
};

describe("job request schema", () => {
  it("accepts a minimal body and trims the text", () => {
    expect(schema.parse({ text: "  hi  " })).toEqual({ text: "hi" });
  });

  it.each([
    [{ text: "   " }, "text"],
    [{ text: "\u200b\u200b" }, "text"],
    [{ text: " \u200d\u2060\ufeff\u202e " }, "text"],
    [{ text: "x".repeat(21) }, "text"],
    [{ text: 5 }, "text"],
    [{}, "text"],
    [{ text: "hi", length_scale: 0 }, "length_scale"],
    [{ text: "hi", noise_scale: 2.5 }, "noise_scale"],
    [{ text: "hi", noise_w: -1 }, "noise_w"],
    [{ text: "hi", priority: 0 }, "priority"],
    [{ text: "hi", priority: 1.5 }, "priority"],
    [{ text: "hi", speaker: -1 }, "speaker"],
    [{ text: "hi", voice: "" }, "voice"],
    [{ text: "hi", text_normalization: "fancy" }, "text_normalization"],
  ])("rejects %j naming %s", (body, field) => {
    expect(firstIssuePath(body)).toBe(field);
  });

  it("says why a text of only format characters is refused", () => {
    const r = schema.safeParse({ text: "\u200b" });
    expect(r.error?.issues[0]?.message).toMatch(/nothing|something to read/u);
    expect(schema.parse({ text: "\u200bhi" }).text).toBe("\u200bhi");
  });

  it("takes a null speaker as no speaker", () => {
    expect(schema.parse({ text: "hi", speaker: null })).toEqual({ text: "hi", speaker: null });
  });

  it("rejects unknown fields", () => {
    const r = schema.safeParse({ text: "hi", lenght_scale: 1 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("lenght_scale");
  });
});

describe("job data", () => {
  it("accepts job data without text_normalization (queued before the field existed: read as standard)", () => {
    const data = synthJobDataSchema.parse({
      text: "a",
      voice: "v",
      speaker: null,
      speaker_id: null,
      length_scale: 1,
      noise_scale: 0.667,
      noise_w: 0.8,
      submitted_at: 1,
    });
    expect(data.text_normalization).toBeUndefined();
    expect(schema.parse({ text: "hi", text_normalization: "piper" }).text_normalization).toBe("piper");
  });

  it("defaults the trace carrier to an empty object", () => {
    const data = synthJobDataSchema.parse({
      text: "a",
      voice: "v",
      speaker: null,
      speaker_id: null,
      length_scale: 1,
      noise_scale: 0.667,
      noise_w: 0.8,
      submitted_at: 1,
    });
    expect(data.trace).toEqual({});
  });
});

describe("error taxonomy", () => {
  it("gives every job error type a status and a retry policy; invalid input is never retried", () => {
    for (const type of JOB_ERROR_TYPES) expect(ERROR_TYPES[type].status).toBeGreaterThanOrEqual(400);
    expect(ERROR_TYPES.invalid_input.retryable).toBe(false);
    const err = new VoxqueueError("invalid_input", "text must not be empty", "text");
    expect(err.status).toBe(400);
    expect(err.toBody()).toEqual({ error: { type: "invalid_input", message: "text must not be empty", field: "text" } });
  });

  it("routes every voice to the configured queue without pools", () => {
    expect(queueForVoice("en_US-lessac-medium", "tts")).toBe("tts");
  });
});

describe("priority lanes", () => {
  it("keeps the pool queue for interactive jobs and puts batch jobs next to it", () => {
    expect(laneQueue("tts-synthesis", "interactive")).toBe("tts-synthesis");
    expect(laneQueue("tts-synthesis", "batch")).toBe("tts-synthesis-batch");
    expect(laneQueues("tts")).toEqual(["tts", "tts-batch"]);
  });

  it("reads the lane back from a queue name", () => {
    for (const lane of ["interactive", "batch"] as const) expect(laneOfQueue(laneQueue("tts-synthesis", lane))).toBe(lane);
  });
});

describe("API keys file", () => {
  it("hashes keys with SHA-256 (hex) and reads NAME:HASH lines, skipping comments and blank lines", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const text = `# keys\n\nalice:${hashApiKey("a")}\r\n  bob:${hashApiKey("b").toUpperCase()}  \n`;
    expect(parseApiKeysFile(text)).toEqual([
      { name: "alice", sha256: hashApiKey("a") },
      { name: "bob", sha256: hashApiKey("b") },
    ]);
  });

  it.each([
    ["no colon", "alice"],
    ["a short hash", "alice:abc"],
    ["a bad name", `-x:${"0".repeat(64)}`],
    ["an empty name", `:${"0".repeat(64)}`],
    ["a duplicate hash", `a:${"0".repeat(64)}\nb:${"0".repeat(64)}`],
  ])("refuses %s", (_name, text) => {
    expect(() => parseApiKeysFile(text)).toThrow(/^line \d/);
  });
});
