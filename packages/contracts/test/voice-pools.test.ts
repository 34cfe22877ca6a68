import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL, formatVoicePools, poolJobId, poolOfJobId, poolOfVoice, poolQueueName, poolQueueNames } from "../src/voice-pools.js";
import { VoicePoolsError, parseVoicePools, queueForVoice } from "../src/index.js";

const POOLS = parseVoicePools(" gpu = en_US-lessac-high , de_DE-thorsten-high ; multi=en_US-voxqueue_ref_multi-x_low");

describe("voice pools", () => {
  it("reads POOL=VOICE,VOICE;POOL=VOICE and writes it back", () => {
    expect(POOLS).toEqual([
      { name: "gpu", voices: ["en_US-lessac-high", "de_DE-thorsten-high"] },
      { name: "multi", voices: ["en_US-voxqueue_ref_multi-x_low"] },
    ]);
    expect(parseVoicePools(formatVoicePools(POOLS))).toEqual(POOLS);
    expect(parseVoicePools("")).toEqual([]);
    expect(parseVoicePools(" ; ")).toEqual([]);
  });

  it.each([
    ["no =", "gpu", /POOL=VOICE/],
    ["an upper-case name", "GPU=a", /pool name "GPU"/],
    ["a name with a colon", "g:pu=a", /pool name/],
    ["a name too long", `${"p".repeat(31)}=a`, /pool name/],
    ["the default pool's name", "default=a", /reserved/],
    ["the webhook queue's suffix", "webhooks=a", /reserved/],
    ["the batch lane's suffix", "batch=a", /reserved: a name ending in batch/],
    ["a name ending in the batch lane's suffix", "gpu-batch=a", /reserved: a name ending in batch/],
    ["no voice", "gpu=", /lists no voice/],
    ["a pool twice", "gpu=a;gpu=b", /named twice/],
    ["a voice in two pools", "gpu=a;cpu=a,b", /voice "a" is in pools "gpu" and "cpu"/],
    ["a voice id with a separator", "gpu=a b", /not a voice id/],
  ])("refuses %s", (_what, text, message) => {
    expect(() => parseVoicePools(text)).toThrow(VoicePoolsError);
    expect(() => parseVoicePools(text)).toThrow(message);
  });

  it("sends listed voices to their pool's queue and every other voice to the base queue", () => {
    expect(poolOfVoice("de_DE-thorsten-high", POOLS)).toBe("gpu");
    expect(poolOfVoice("en_US-voxqueue_ref-medium", POOLS)).toBe(DEFAULT_POOL);
    expect(queueForVoice("de_DE-thorsten-high", "tts-synthesis", POOLS)).toBe("tts-synthesis-pool-gpu");
    expect(queueForVoice("en_US-voxqueue_ref-medium", "tts-synthesis", POOLS)).toBe("tts-synthesis");
    expect(queueForVoice("de_DE-thorsten-high", "tts-synthesis")).toBe("tts-synthesis");
    expect(poolQueueNames("tts-synthesis", POOLS)).toEqual(["tts-synthesis", "tts-synthesis-pool-gpu", "tts-synthesis-pool-multi"]);
    for (const name of poolQueueNames("tts-synthesis", POOLS)) expect(name).not.toContain(":");
    expect(poolQueueName("q", DEFAULT_POOL)).toBe("q");
  });

  it("encodes the pool in job ids and reads it back; default-pool ids stay plain UUIDs", () => {
    const uuid = randomUUID();
    expect(poolJobId(DEFAULT_POOL, uuid)).toBe(uuid);
    expect(poolJobId("gpu", uuid)).toBe(`gpu.${uuid}`);
    expect(poolOfJobId(uuid)).toBe(DEFAULT_POOL);
    expect(poolOfJobId(`gpu.${uuid}`)).toBe("gpu");
    expect(poolOfJobId(`unlisted-pool.${uuid}`)).toBe("unlisted-pool");
    for (const bad of ["", "42", `GPU.${uuid}`, `gpu:${uuid}`, `default.${uuid}`, `gpu.${uuid}x`, `a.b.${uuid}`, "gpu."]) expect(poolOfJobId(bad)).toBeNull();
  });
});
