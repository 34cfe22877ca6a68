import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody, TextPreview, VoiceInfo } from "@voxqueue/contracts";
import { MULTI, SINGLE, createHarness, type Harness } from "./helpers.js";

const GERMAN: VoiceInfo = { ...SINGLE, id: "voice-de-low", language: "de_DE", espeak_voice: "de", phoneme_type: "espeak" };

// Redis db 11 is this file's alone (the catalog key is fixed).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 11, voices: [MULTI, SINGLE, GERMAN] });
});
afterAll(async () => {
  await h.close();
});

const preview = (body: unknown) =>
  request(h.app)
    .post("/v1/text/preview")
    .send(body as object);

describe("POST /v1/text/preview", () => {
  it("shows how the default voice reads a text: sentences as written, as said, and their phonemes", async () => {
    const res = await preview({ text: "Dr. Smith paid $5 on 12/03/2026.\nThanks" });
    expect(res.status).toBe(200);
    const body = res.body as TextPreview;
    expect(body.voice).toBe(MULTI.id);
    expect(body.text_normalization).toBe("standard");
    expect(body.sentences.map((s) => [s.text, s.spoken])).toEqual([
      ["Dr. Smith paid $5 on 12/03/2026.", "Doctor Smith paid five dollars on December third, twenty twenty-six."],
      ["Thanks", "Thanks."],
    ]);
    expect(body.spoken).toBe(body.sentences.map((s) => s.spoken).join(" "));
    expect(body.sentences[0]!.phonemes).toContain("dˈɑːlɚz");
    expect(await h.queue.count()).toBe(0); // nothing synthesized, nothing queued
  });

  it("reads as Piper does with text_normalization piper (espeak ends a sentence after Dr.)", async () => {
    const res = await preview({ text: "Dr. Smith paid $5.", text_normalization: "piper" });
    expect(res.status).toBe(200);
    const body = res.body as TextPreview;
    expect(body.text_normalization).toBe("piper");
    expect(body.sentences.length).toBe(2);
    for (const s of body.sentences) expect(s.spoken).toBe("Dr. Smith paid $5.");
  });

  it("uses the named voice's language", async () => {
    const res = await preview({ text: "Am 3. Mai kostet es 5 €.", voice: GERMAN.id });
    expect(res.status).toBe(200);
    expect((res.body as TextPreview).spoken).toBe("Am dritten Mai kostet es fünf Euro.");
  });

  it("previews SSML: breaks split segments, say-as and sub are read, unknown tags are their content", async () => {
    const res = await preview({
      text: '<speak>Call <say-as interpret-as="telephone">555 0199</say-as><break time="1s"/><sub alias="Doctor">Dr</sub> <x-foo>Who</x-foo></speak>',
    });
    expect(res.status).toBe(200);
    expect((res.body as TextPreview).sentences.map((s) => s.spoken)).toEqual(["Call five five five, zero one nine nine", "Doctor Who"]);
    const bad = await preview({ text: "<speak><s>open</speak>" });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "text" });
    expect((bad.body as ErrorBody).error.message).toMatch(/line 1, column \d+/u);
  });

  it.each([
    [{ text: "" }, "text"],
    [{ text: "\u200b" }, "text"],
    [{ text: "hi", voice: "nope" }, "voice"],
    [{ text: "hi", text_normalization: "fancy" }, "text_normalization"],
    [{ text: "hi", speed: 2 }, "speed"],
  ])("refuses %j naming %s", async (body, field) => {
    const res = await preview(body);
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field });
  });

  it("answers 405 with Allow for other methods", async () => {
    const res = await request(h.app).get("/v1/text/preview");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
  });
});
