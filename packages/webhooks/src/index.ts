export { addressRefusal, normalizeHost, parseAllowedHosts } from "./address-policy.js";
export { WebhookRefusedError, WebhookTimeoutError } from "./errors.js";
export { WEBHOOK_USER_AGENT, postWebhook, type PostAnswer, type PostOptions } from "./post.js";
export { judgeAnswer, parseRetryAfter, retryDelayMs, type AnswerVerdict, type BackoffPolicy } from "./retry.js";
export { WebhookSecretError, parseWebhookSecrets, signWebhook, type WebhookSignatureHeaders } from "./signing.js";
export { SUBMIT_DNS_TIMEOUT_MS, checkWebhookTarget, guardedLookup, isAllowedHost, type ResolveAll, type TargetPolicy } from "./target.js";
export { addWithWebhook, readWebhookView } from "./jobs.js";
