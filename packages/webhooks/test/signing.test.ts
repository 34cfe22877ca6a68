import { randomBytes } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { WebhookSecretError, parseWebhookSecrets, signWebhook } from "../src/index.js";

const secret = () => `whsec_${randomBytes(32).toString("base64")}`;
const BODY = JSON.stringify({ type: "job.completed", timestamp: "2026-01-01T00:00:00.000Z", data: { id: "a", status: "completed" } });

/** The receiver's side, as the Standard Webhooks package does it (5 minutes of tolerance). */
const verify = (key: string, body: string, headers: Record<string, string>) => new Webhook(key).verify(body, headers);

describe("signWebhook, verified by the standardwebhooks package", () => {
  it("is accepted, and the payload comes back parsed", () => {
    const key = secret();
    const headers = signWebhook([key], "msg_1", new Date(), BODY);
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(key, BODY, { ...headers })).toEqual(JSON.parse(BODY));
  });

  it("is rejected with a tampered body", () => {
    const key = secret();
    const headers = signWebhook([key], "msg_1", new Date(), BODY);
    expect(() => verify(key, BODY.replace("completed", "failed"), { ...headers })).toThrow(WebhookVerificationError);
  });

  it("is rejected with another secret", () => {
    const headers = signWebhook([secret()], "msg_1", new Date(), BODY);
    expect(() => verify(secret(), BODY, { ...headers })).toThrow(WebhookVerificationError);
  });

  it("is rejected with a timestamp outside the receiver's tolerance, either way", () => {
    const key = secret();
    for (const offsetS of [-6 * 60, 6 * 60]) {
      const headers = signWebhook([key], "msg_1", new Date(Date.now() + offsetS * 1000), BODY);
      expect(() => verify(key, BODY, { ...headers })).toThrow(/timestamp/i);
    }
  });

  it("is rejected with a changed webhook-id (the id is signed)", () => {
    const key = secret();
    const headers = signWebhook([key], "msg_1", new Date(), BODY);
    expect(() => verify(key, BODY, { ...headers, "webhook-id": "msg_2" })).toThrow(WebhookVerificationError);
  });

  it("signs with every secret during a rotation: receivers with either secret accept", () => {
    const [old, next] = [secret(), secret()];
    const headers = signWebhook([old, next], "msg_1", new Date(), BODY);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verify(old, BODY, { ...headers })).toEqual(JSON.parse(BODY));
    expect(verify(next, BODY, { ...headers })).toEqual(JSON.parse(BODY));
    expect(() => verify(secret(), BODY, { ...headers })).toThrow(WebhookVerificationError);
  });
});

describe("parseWebhookSecrets", () => {
  it("reads one or several comma-separated secrets", () => {
    const [a, b] = [secret(), secret()];
    expect(parseWebhookSecrets(a)).toEqual([a]);
    expect(parseWebhookSecrets(` ${a} , ${b} `)).toEqual([a, b]);
  });

  it.each([
    ["", /no secret/],
    ["abc", /does not start with whsec_/],
    ["whsec_not base64!", /base64/],
    [`whsec_${randomBytes(8).toString("base64")}`, /8 bytes/],
    [`whsec_${randomBytes(100).toString("base64")}`, /100 bytes/],
  ])("refuses %j", (value, message) => {
    expect(() => parseWebhookSecrets(value)).toThrow(WebhookSecretError);
    expect(() => parseWebhookSecrets(value)).toThrow(message);
  });

  it("names the position of the bad secret in a rotation, never the secret", () => {
    const err = (() => {
      try {
        parseWebhookSecrets(`${secret()},whsec_short`);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/secret 2 of 2/);
    expect(err?.message).not.toContain("short");
  });
});
