import { describe, expect, it } from "vitest";
import { WEBHOOK_URL_MAX_CHARS, createJobRequestSchema, webhookMessageId, webhookQueueName } from "../src/index.js";

const schema = createJobRequestSchema({ maxTextChars: 100 });
const issue = (webhook_url: unknown) => {
  const r = schema.safeParse({ text: "hi", webhook_url });
  return r.success ? null : { path: r.error.issues[0]!.path.join("."), message: r.error.issues[0]!.message };
};

describe("webhook_url syntax", () => {
  it.each(["https://example.com/hooks/tts", "http://127.0.0.1:9000/hook", "https://[2606:4700::1111]/x?y=1"])("accepts %s", (url) => {
    expect(issue(url)).toBeNull();
  });

  it.each([
    ["not a URL", "call me", /absolute http\(s\) URL/],
    ["relative", "/hook", /absolute http\(s\) URL/],
    ["empty", "", /absolute http\(s\) URL/],
    ["a number", 5, /must be a string/],
    ["credentials", "https://u:p@example.com/", /credentials/],
    ["a user name alone", "https://u@example.com/", /credentials/],
    ["ftp", "ftp://example.com/", /must use https/],
    ["data:", "data:text/plain,hi", /must use https/],
    ["too long", `https://example.com/${"a".repeat(WEBHOOK_URL_MAX_CHARS)}`, /at most 2048 characters/],
  ])("refuses %s, naming webhook_url", (_name, url, message) => {
    const found = issue(url);
    expect(found?.path).toBe("webhook_url");
    expect(found?.message).toMatch(message);
  });

  it("never echoes the URL's credentials in the message", () => {
    expect(issue("https://admin:hunter2@example.com/")?.message).not.toContain("hunter2");
  });
});

describe("webhook names", () => {
  it("derive the delivery queue and a stable message id", () => {
    expect(webhookQueueName("tts-synthesis")).toBe("tts-synthesis-webhooks");
    expect(webhookMessageId("0b4c")).toBe("msg_0b4c");
  });
});
