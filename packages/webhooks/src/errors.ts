/**
 * A webhook target the SSRF guard refuses: a scheme or address webhooks may not
 * reach. At submit time the API answers 400 naming `webhook_url`; at delivery time
 * the delivery ends at once (outcome `refused`), without retries.
 */
export class WebhookRefusedError extends Error {
  override readonly name = "WebhookRefusedError";
}

/** An attempt that got no answer within the per-attempt timeout (retried). */
export class WebhookTimeoutError extends Error {
  override readonly name = "WebhookTimeoutError";
}
