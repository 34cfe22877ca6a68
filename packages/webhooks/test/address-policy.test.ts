import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { WebhookRefusedError, addressRefusal, checkWebhookTarget, parseAllowedHosts } from "../src/index.js";

describe("addressRefusal (ipaddr.js ranges)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.100.100.200", "cloud metadata"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["0.0.0.0", "unspecified"],
    ["192.0.2.10", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fc00::1", "private (unique local)"],
    ["fd00:ec2::254", "cloud metadata"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["64:ff9b::7f00:1", "special-purpose (rfc6052)"],
    ["2002:7f00:1::", "special-purpose (6to4)"],
    ["not-an-ip", "not an IP address"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(addressRefusal(address)).toBe(reason);
  });

  it.each(["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("allows %s", (address) => {
    expect(addressRefusal(address)).toBeNull();
  });
});

const refusedWith = async (url: string, allowed = "", resolve?: (h: string) => Promise<LookupAddress[]>) => {
  try {
    await checkWebhookTarget(url, { allowedHosts: parseAllowedHosts(allowed), ...(resolve ? { resolve } : {}) });
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookRefusedError);
    return (err as Error).message;
  }
};

describe("checkWebhookTarget (submit time)", () => {
  it.each([
    ["https://127.0.0.1/hook", /loopback/],
    ["https://10.0.0.1/hook", /private/],
    ["https://169.254.169.254/latest/meta-data", /cloud metadata/],
    ["https://[::1]:8443/hook", /loopback/],
    ["https://[::ffff:127.0.0.1]/hook", /loopback/],
    ["https://0x7f000001/hook", /loopback/], // the URL parser reads it as 127.0.0.1
    ["https://2130706433/hook", /loopback/],
    ["https://localhost/hook", /localhost resolves to a loopback address/],
    ["http://example.com/hook", /must use https/],
  ])("refuses %s", async (url, reason) => {
    expect(await refusedWith(url)).toMatch(reason);
  });

  it("refuses a host name whose addresses include a refused one", async () => {
    const resolve = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
    expect(await refusedWith("https://mixed.example/hook", "", resolve)).toMatch(/mixed\.example resolves to a private address/);
  });

  it("refuses a host name that does not exist", async () => {
    const resolve = async () => Promise.reject(Object.assign(new Error("nope"), { code: "ENOTFOUND" }));
    expect(await refusedWith("https://no-such-host.invalid/hook", "", resolve)).toMatch(/does not resolve/);
  });

  it("lets a transient DNS failure through (the delivery checks again)", async () => {
    const resolve = async () => Promise.reject(Object.assign(new Error("try again"), { code: "EAI_AGAIN" }));
    expect(await refusedWith("https://flaky-dns.example/hook", "", resolve)).toBeNull();
  });

  it("accepts https to a public address", async () => {
    expect(await refusedWith("https://93.184.215.14/hook")).toBeNull();
    expect(await refusedWith("https://public.example/hook", "", async () => [{ address: "2606:4700:4700::1111", family: 6 }])).toBeNull();
  });

  it("opens allowlisted hosts, over http too, and only those", async () => {
    const allowed = "localhost, 127.0.0.1, [::1]";
    expect(await refusedWith("http://localhost:9000/hook", allowed)).toBeNull();
    expect(await refusedWith("http://127.0.0.1:9000/hook", allowed)).toBeNull();
    expect(await refusedWith("http://[::1]:9000/hook", allowed)).toBeNull();
    expect(await refusedWith("http://LOCALHOST./hook", allowed)).toBeNull();
    expect(await refusedWith("https://10.0.0.1/hook", allowed)).toMatch(/private/);
  });
});
