import { Webhook } from "standardwebhooks";

/** Secret prefix of the Standard Webhooks specification: `whsec_` + base64 of the key. */
const SECRET_PREFIX = "whsec_";
/** Key length the specification asks for, bytes ("between 24 bytes and 64 bytes"). */
const KEY_BYTES = { min: 24, max: 64 } as const;

/** Thrown by {@link parseWebhookSecrets}; the message says which secret is wrong and why (never the secret). */
export class WebhookSecretError extends Error {
  override readonly name = "WebhookSecretError";
}

/**
 * Reads `WEBHOOK_SECRET`: one or more `whsec_<base64>` secrets separated by commas
 * (several during a rotation: each signs every delivery). Keys of 24 to 64 bytes, as
 * the Standard Webhooks specification asks.
 * @throws WebhookSecretError naming the position of a malformed secret
 */
export function parseWebhookSecrets(value: string): string[] {
  const secrets = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (secrets.length === 0) throw new WebhookSecretError("no secret given (expected whsec_<base64>, comma-separated for a rotation)");
  secrets.forEach((secret, i) => {
    const where = secrets.length > 1 ? `secret ${i + 1} of ${secrets.length}` : "the secret";
    if (!secret.startsWith(SECRET_PREFIX)) throw new WebhookSecretError(`${where} does not start with ${SECRET_PREFIX}`);
    const base64 = secret.slice(SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) throw new WebhookSecretError(`${where} is not ${SECRET_PREFIX} followed by base64`);
    const bytes = Buffer.from(base64, "base64").length;
    if (bytes < KEY_BYTES.min || bytes > KEY_BYTES.max)
      throw new WebhookSecretError(`${where} decodes to ${bytes} bytes; use ${KEY_BYTES.min} to ${KEY_BYTES.max}`);
  });
  return secrets;
}

/** The three Standard Webhooks headers of one delivery attempt. */
export interface WebhookSignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs one delivery per the Standard Webhooks specification with the
 * `standardwebhooks` package: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>` for each secret, space-separated (the specification's form for
 * rotations; a receiver accepts the message when any signature verifies).
 * @param secrets from {@link parseWebhookSecrets}
 * @param messageId the same on every retry of an event
 * @param at the attempt's time (`webhook-timestamp`, seconds): receivers reject old ones, so each attempt signs anew
 * @param body the exact bytes sent
 */
export function signWebhook(secrets: readonly string[], messageId: string, at: Date, body: string): WebhookSignatureHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
