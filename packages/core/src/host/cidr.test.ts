import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, type Cidr } from "./cidr.js";
import { formatIp, parseIp, type IpAddress } from "./ip.js";

function cidr(text: string): Cidr {
  const result = parseCidr(text);
  if (!result.ok) throw new Error(result.reason);
  return result.cidr;
}

function ip(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`bad test address ${text}`);
  return parsed;
}

function describeCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.prefix} (v${c.family})`;
}

function reasonFor(text: string): string {
  const result = parseCidr(text);
  expect(result.ok).toBe(false);
  return result.ok ? "" : result.reason;
}

describe("parseCidr: SEC-114 invalid or non-canonical CIDRs", () => {
  it.each([
    ["10.0.3.10/3s", /prefix "3s" must be a decimal number/],
    ["10.0.1.0/33", /longer than 32 bits/],
    ["010.0.1.0/24", /leading zero in "010".*octal/],
    ["10.0.1/24", /exactly four dotted decimal parts/],
    ["0x0a.0.1.0/24", /hex part "0x0a"/],
    ["10.0.1.5/24", /host bits set; did you mean 10\.0\.1\.0\/24\?/],
  ])("refuses %s", (text, reason) => {
    const message = reasonFor(text);
    expect(message).toMatch(reason);
    expect(message).toContain(text);
  });
});

describe("parseCidr: other refusals", () => {
  it.each([
    ["", /missing address/],
    ["/24", /missing address/],
    ["10.0.0.0/", /missing prefix/],
    ["10.0.0.0/08", /leading zeros/],
    ["10.0.0.0/-1", /decimal number/],
    ["10.0.0.0/+8", /decimal number/],
    ["10.0.0.0/ 8", /decimal number/],
    ["10.0.0.0/8/8", /more than one '\/'/],
    ["10.0.0.0/1000", /longer than 32 bits/],
    ["10.0.0.256/32", /256 is out of range/],
    ["10.0.0.a/32", /"a" is not a decimal number/],
    ["10.0.0.0 /8", /not a decimal number/],
    ["::/129", /longer than 128 bits/],
    ["fe80::%eth0/64", /zone ids/],
    ["2001:db8::1::/64", /not a valid IPv6 address/],
    ["[::1]/128", /brackets/],
    ["[::1]", /brackets/],
    ["2001:db8::1/64", /host bits set; did you mean 2001:db8::\/64\?/],
    ["::ffff:10.0.0.0/95", /IPv4-mapped prefix must be at least \/96/],
    ["::ffff:0:0/64", /IPv4-mapped prefix must be at least \/96/],
    ["::ffff:10.0.0.5/104", /host bits set; did you mean ::ffff:10\.0\.0\.0\/104\?/],
    ["0.0.0.1/0", /did you mean 0\.0\.0\.0\/0\?/],
  ])("refuses %j", (text, reason) => {
    expect(reasonFor(text)).toMatch(reason);
  });
});

describe("parseCidr: accepted forms", () => {
  it.each([
    ["10.0.1.0/24", "10.0.1.0/24 (v4)"],
    ["127.0.0.14/32", "127.0.0.14/32 (v4)"],
    ["127.0.0.14", "127.0.0.14/32 (v4)"],
    ["0.0.0.0/0", "0.0.0.0/0 (v4)"],
    ["10.0.0.128/25", "10.0.0.128/25 (v4)"],
    ["::1/128", "::1/128 (v6)"],
    ["::1", "::1/128 (v6)"],
    ["::/0", "::/0 (v6)"],
    ["2001:DB8::/32", "2001:db8::/32 (v6)"],
    ["2001:0db8:0000::/48", "2001:db8::/48 (v6)"],
    ["fe80::/10", "fe80::/10 (v6)"],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8 (v4)"],
    ["::ffff:0a00:0000/104", "10.0.0.0/8 (v4)"],
    ["::ffff:127.0.0.1", "127.0.0.1/32 (v4)"],
    ["::ffff:127.0.0.1/128", "127.0.0.1/32 (v4)"],
    ["::ffff:0:0/96", "0.0.0.0/0 (v4)"],
  ])("%s is %s", (text, expected) => {
    expect(describeCidr(cidr(text))).toBe(expected);
  });
});

describe("cidrContains", () => {
  it.each([
    ["10.0.1.0/24", "10.0.1.0", true],
    ["10.0.1.0/24", "10.0.1.255", true],
    ["10.0.1.0/24", "10.0.2.0", false],
    ["10.0.1.0/24", "10.0.0.255", false],
    ["127.0.0.0/28", "127.0.0.13", true],
    ["127.0.0.0/28", "127.0.0.15", true],
    ["127.0.0.0/28", "127.0.0.16", false],
    ["127.0.0.0/28", "127.0.0.99", false],
    ["127.0.0.0/28", "::ffff:127.0.0.14", true],
    ["::ffff:127.0.0.0/124", "127.0.0.1", true],
    ["127.0.0.11/32", "127.0.0.11", true],
    ["127.0.0.11/32", "127.0.0.12", false],
    ["0.0.0.0/0", "203.0.113.7", true],
    ["0.0.0.0/0", "::1", false],
    ["::/0", "127.0.0.1", false],
    ["::/0", "2001:db8::1", true],
    ["::1/128", "::1", true],
    ["::1/128", "::2", false],
    ["::1/128", "127.0.0.1", false],
    ["2001:db8::/33", "2001:db8:7fff::1", true],
    ["2001:db8::/33", "2001:db8:8000::1", false],
    ["fe80::/10", "febf:ffff::1", true],
    ["fe80::/10", "fec0::1", false],
  ] as const)("%s contains %s: %s", (block, address, expected) => {
    expect(cidrContains(cidr(block), ip(address))).toBe(expected);
  });
});
