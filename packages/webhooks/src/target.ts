import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { addressRefusal, normalizeHost } from "./address-policy.js";
import { WebhookRefusedError } from "./errors.js";

/** Longest wait for DNS when a webhook URL is submitted, ms. */
export const SUBMIT_DNS_TIMEOUT_MS = 2_000;

/** Resolves a host name to all its addresses (`dns.lookup` with `all: true`). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Options of {@link checkWebhookTarget}. */
export interface TargetPolicy {
  /** Hosts from `WEBHOOK_ALLOWED_HOSTS` (see `parseAllowedHosts`): reachable whatever they resolve to, also over http. */
  allowedHosts: ReadonlySet<string>;
  /** DNS, for tests. @defaultValue dns.lookup, all addresses */
  resolve?: ResolveAll;
  /** @defaultValue {@link SUBMIT_DNS_TIMEOUT_MS} */
  dnsTimeoutMs?: number;
}

/** True when the URL's host is in the allowlist. */
export function isAllowedHost(url: URL, allowedHosts: ReadonlySet<string>): boolean {
  return allowedHosts.has(normalizeHost(url.hostname));
}

/**
 * The submit-time SSRF check of a webhook URL (its syntax is checked by the contracts'
 * schema first). Allowlisted hosts pass. Others must use https, and an IP literal or
 * every address the host resolves to must be globally routable ({@link addressRefusal}).
 * A host that does not exist is refused; a DNS failure that may pass (timeout,
 * SERVFAIL) is not: the delivery checks the addresses again anyway, after its own
 * lookup, which is what stops DNS rebinding.
 * @throws WebhookRefusedError saying why (never echoing more of the URL than its host)
 */
export async function checkWebhookTarget(rawUrl: string, policy: TargetPolicy): Promise<void> {
  const url = new URL(rawUrl);
  if (isAllowedHost(url, policy.allowedHosts)) return;
  if (url.protocol !== "https:") throw new WebhookRefusedError("webhook_url must use https (http only for hosts in WEBHOOK_ALLOWED_HOSTS)");
  const host = normalizeHost(url.hostname);
  if (isIP(host)) {
    const refusal = addressRefusal(host);
    if (refusal) throw new WebhookRefusedError(`webhook_url points to a ${refusal} address`);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await withTimeout((policy.resolve ?? resolveAll)(host), policy.dnsTimeoutMs ?? SUBMIT_DNS_TIMEOUT_MS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTFOUND" || code === "ENODATA") throw new WebhookRefusedError(`webhook_url host ${host} does not resolve`);
    return; // transient: judged again at delivery
  }
  for (const { address } of addresses) {
    const refusal = addressRefusal(address);
    if (refusal) throw new WebhookRefusedError(`webhook_url host ${host} resolves to a ${refusal} address`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error("DNS timeout"), { code: "ETIMEOUT" })), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request`/`net.connect` that resolves with `dns.lookup` and
 * fails the connection with {@link WebhookRefusedError} when any address of the host
 * is refused, so the address connected to is the one checked (no window for DNS
 * rebinding between a check and the connect). Handles both `all: true` (Node's
 * happy-eyeballs connect) and single-address lookups.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    for (const { address } of addresses) {
      const refusal = addressRefusal(address);
      if (refusal) return callback(new WebhookRefusedError(`${hostname} resolves to a ${refusal} address (${address})`), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}
