import { z } from "zod";
import { WebhookSecretError, parseAllowedHosts, parseWebhookSecrets } from "@voxqueue/webhooks";
import { env } from "./common.js";

/**
 * `WEBHOOK_SECRET`: `whsec_<base64>` secrets, comma-separated during a rotation (each
 * signs). Unset: webhooks are off (the API refuses `webhook_url`, workers deliver nothing).
 */
const secrets = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    try {
      return parseWebhookSecrets(value);
    } catch (err) {
      if (!(err instanceof WebhookSecretError)) throw err;
      ctx.addIssue({ code: "custom", message: err.message });
      return z.NEVER;
    }
  });

/** `WEBHOOK_ALLOWED_HOSTS`: comma-separated hosts webhooks may reach whatever their addresses, and over http. */
const allowedHosts = z
  .string()
  .optional()
  .transform((value) => parseAllowedHosts(value));

/** Webhook settings of the API (submit-time checks and the delivery job's options). */
export const apiWebhookEnvShape = {
  WEBHOOK_SECRET: secrets,
  WEBHOOK_ALLOWED_HOSTS: allowedHosts,
  /** Attempts per webhook delivery before it is dead-lettered. */
  WEBHOOK_MAX_ATTEMPTS: env.int(12, 1, 50),
};

/** Webhook settings of the worker (signing and delivery). */
export const workerWebhookEnvShape = {
  WEBHOOK_SECRET: secrets,
  WEBHOOK_ALLOWED_HOSTS: allowedHosts,
  /** Per-attempt limit: connect, send and answer, ms. */
  WEBHOOK_TIMEOUT_MS: env.int(10_000, 100, 300_000),
  /** Nominal delay before the first retry, ms (doubles per retry, half of it jittered). */
  WEBHOOK_BACKOFF_MS: env.int(10_000, 0),
  /** Longest delay between attempts, ms; also caps a receiver's Retry-After. */
  WEBHOOK_BACKOFF_MAX_MS: env.int(3_600_000, 0),
  /** Deliveries in flight at once per worker process. */
  WEBHOOK_CONCURRENCY: env.int(8, 1, 256),
};
