import type { ApiConfig } from "@voxqueue/config";
import { VoxqueueError } from "@voxqueue/contracts";
import { WebhookRefusedError, checkWebhookTarget } from "@voxqueue/webhooks";

/**
 * The submit-time checks of a `webhook_url` beyond its syntax: webhooks must be on
 * (`WEBHOOK_SECRET` set) and the SSRF guard must accept the target (https unless
 * allowlisted; no loopback, private, link-local, CGNAT, multicast, unspecified or
 * metadata address, as a literal or after DNS).
 * @throws VoxqueueError `invalid_input` naming `webhook_url`
 */
export async function checkWebhookUrl(url: string, config: Pick<ApiConfig, "WEBHOOK_SECRET" | "WEBHOOK_ALLOWED_HOSTS">): Promise<void> {
  if (!config.WEBHOOK_SECRET) throw new VoxqueueError("invalid_input", "webhooks are not enabled on this server (WEBHOOK_SECRET is not set)", "webhook_url");
  try {
    await checkWebhookTarget(url, { allowedHosts: config.WEBHOOK_ALLOWED_HOSTS });
  } catch (err) {
    if (err instanceof WebhookRefusedError) throw new VoxqueueError("invalid_input", err.message, "webhook_url");
    throw err;
  }
}
