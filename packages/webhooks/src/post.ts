import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { addressRefusal, normalizeHost } from "./address-policy.js";
import { WebhookRefusedError, WebhookTimeoutError } from "./errors.js";
import { guardedLookup, isAllowedHost } from "./target.js";

/** Most response body bytes read (and dropped) per attempt: receivers answer with a status, not content. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** `User-Agent` of deliveries. */
export const WEBHOOK_USER_AGENT = "voxqueue-webhooks/1";

/** Options of one {@link postWebhook} attempt. */
export interface PostOptions {
  /** The whole attempt (connect, send, answer) must finish within this, ms. */
  timeoutMs: number;
  /** `WEBHOOK_ALLOWED_HOSTS` (`parseAllowedHosts`): these skip the address guard. */
  allowedHosts: ReadonlySet<string>;
}

/** The receiver's answer to one attempt. */
export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * POSTs one webhook attempt with Node's http client: `content-type: application/json`
 * plus `headers`, no redirects followed (a 3xx is an answer like any other), the
 * SSRF guard on the connection (IP literals checked here, host names through
 * {@link guardedLookup}, every attempt, unless the host is allowlisted), a fresh
 * connection per attempt (no keep-alive pool that would skip the next lookup).
 * Resolves with any HTTP answer; the caller classifies it.
 * @throws WebhookRefusedError when the guard refuses the target
 * @throws WebhookTimeoutError past `timeoutMs`
 * @throws the socket's error (ECONNREFUSED, ECONNRESET, ...) for other network failures
 */
export function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<PostAnswer> {
  const url = new URL(rawUrl);
  const allowed = isAllowedHost(url, opts.allowedHosts);
  if (!allowed) {
    if (url.protocol !== "https:") return Promise.reject(new WebhookRefusedError("http is allowed only for hosts in WEBHOOK_ALLOWED_HOSTS"));
    const host = normalizeHost(url.hostname);
    const refusal = isIP(host) ? addressRefusal(host) : null;
    if (refusal) return Promise.reject(new WebhookRefusedError(`${host} is a ${refusal} address`));
  }
  const options: RequestOptions = {
    method: "POST",
    agent: false,
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": WEBHOOK_USER_AGENT, ...headers },
    ...(allowed ? {} : { lookup: guardedLookup as RequestOptions["lookup"] }),
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = send(url, options, (res) => {
      let read = 0;
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy(); // enough: the status is what counts
      });
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      };
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    const timer = setTimeout(() => req.destroy(new WebhookTimeoutError(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
