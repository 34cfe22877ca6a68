import ipaddr from "ipaddr.js";

/**
 * Cloud instance-metadata and host-platform endpoints, refused by name so the reason
 * says so (most also fall in a refused range): AWS/GCP/Azure/OpenStack IMDS, AWS ECS
 * task metadata, AWS IMDS over IPv6, Alibaba Cloud, Azure's WireServer, Oracle Cloud.
 */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "168.63.129.16", "192.0.0.192"]);

/** Readable names of ipaddr.js ranges (`IPv4#range()`, `IPv6#range()`). */
const RANGE_NAMES: Record<string, string> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT",
  private: "private",
  uniqueLocal: "private (unique local)",
  reserved: "reserved",
};

/**
 * Why a webhook may not be sent to `address`, or null when it may. Only globally
 * routable unicast is allowed: the ranges come from ipaddr.js (loopback, private,
 * link-local, carrier-grade NAT, multicast, broadcast, unspecified, reserved,
 * documentation, 6to4/Teredo/NAT64 and the other special IPv6 blocks), plus the
 * cloud metadata endpoints by name. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged
 * as the IPv4 address it carries.
 * @param address an IPv4 or IPv6 address; anything else is refused as "not an IP address"
 */
export function addressRefusal(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return "not an IP address";
  const ip = ipaddr.process(bare); // unwraps IPv4-mapped IPv6
  if (METADATA_ADDRESSES.has(ip.toNormalizedString()) || METADATA_ADDRESSES.has(ip.toString())) return "cloud metadata";
  const range = ip.range();
  if (range === "unicast") return null;
  return RANGE_NAMES[range] ?? `special-purpose (${range})`;
}

/**
 * A host as `WEBHOOK_ALLOWED_HOSTS` and URLs name it: lower case, without IPv6
 * brackets or a trailing dot.
 */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return ipaddr.isValid(h) ? ipaddr.parse(h).toString() : h;
}

/**
 * Reads `WEBHOOK_ALLOWED_HOSTS`: comma-separated host names or IP addresses (exact
 * matches, no wildcards) that webhooks may reach even when they resolve to refused
 * addresses, and over plain http.
 */
export function parseAllowedHosts(value: string | undefined): ReadonlySet<string> {
  return new Set(
    (value ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "")
      .map(normalizeHost),
  );
}
