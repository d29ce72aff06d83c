import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, type Cidr } from "./cidr.js";
import { createCidrTable } from "./cidr-table.js";
import { parseIp, type IpAddress } from "./ip.js";

const PROPERTY = { seed: 42, numRuns: 1000 };

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

function table(rows: ReadonlyArray<[string, string]>) {
  return createCidrTable(rows.map(([block, value]) => ({ cidr: cidr(block), value })));
}

describe("createCidrTable", () => {
  // The security-cases fixture (hosts.yaml).
  const hosts = table([
    ["127.0.0.11/32", "research"],
    ["127.0.0.12/32", "exec"],
    ["127.0.0.0/28", "lan"],
    ["::1/128", "local6"],
  ]);

  it.each([
    ["127.0.0.11", "research"],
    ["127.0.0.12", "exec"],
    ["127.0.0.13", "lan"],
    ["127.0.0.14", "lan"],
    ["127.0.0.1", "lan"],
    ["::ffff:127.0.0.11", "research"],
    ["::ffff:7f00:c", "exec"],
    ["::1", "local6"],
    ["127.0.0.99", undefined],
    ["127.0.0.16", undefined],
    ["::2", undefined],
    ["::127.0.0.11", undefined],
  ])("fixture: %s → %s", (address, expected) => {
    expect(hosts.lookup(ip(address))).toBe(expected);
  });

  it("longest prefix wins regardless of entry order", () => {
    const rows: Array<[string, string]> = [
      ["10.0.0.0/8", "wide"],
      ["10.0.1.0/24", "narrow"],
      ["10.0.1.128/25", "narrower"],
    ];
    for (const order of [rows, [...rows].reverse()]) {
      const t = table(order);
      expect(t.lookup(ip("10.0.1.200"))).toBe("narrower");
      expect(t.lookup(ip("10.0.1.5"))).toBe("narrow");
      expect(t.lookup(ip("10.9.9.9"))).toBe("wide");
      expect(t.lookup(ip("11.0.0.0"))).toBeUndefined();
    }
  });

  it("IPv6 longest prefix", () => {
    const t = table([
      ["::/0", "any6"],
      ["2001:db8::/32", "doc"],
      ["2001:db8:1::/48", "site"],
      ["2001:db8:1:2::/64", "subnet"],
      ["2001:db8:1:2::7/128", "host"],
    ]);
    expect(t.lookup(ip("2001:db8:1:2::7"))).toBe("host");
    expect(t.lookup(ip("2001:db8:1:2::8"))).toBe("subnet");
    expect(t.lookup(ip("2001:db8:1:3::1"))).toBe("site");
    expect(t.lookup(ip("2001:db8:2::1"))).toBe("doc");
    expect(t.lookup(ip("fe80::1"))).toBe("any6");
    // ::/0 is IPv6 space only: mapped peers are IPv4 and do not fall into it.
    expect(t.lookup(ip("::ffff:10.0.0.1"))).toBeUndefined();
  });

  it("a mapped block and an IPv4 block are the same block; the first one wins", () => {
    const t = table([
      ["::ffff:10.0.0.0/104", "mapped"],
      ["10.0.0.0/8", "plain"],
    ]);
    expect(t.lookup(ip("10.1.2.3"))).toBe("mapped");
  });

  it("the same block twice: the first entry wins", () => {
    expect(table([["10.0.0.0/8", "first"], ["10.0.0.0/8", "second"]]).lookup(ip("10.0.0.1")))
      .toBe("first");
  });

  it("/0 matches everything of its family and an empty table matches nothing", () => {
    expect(table([["0.0.0.0/0", "all"]]).lookup(ip("203.0.113.9"))).toBe("all");
    expect(table([["0.0.0.0/0", "all"]]).lookup(ip("::1"))).toBeUndefined();
    expect(table([]).lookup(ip("10.0.0.1"))).toBeUndefined();
  });

  it("stays fast with a few hundred entries", () => {
    const rows: Array<[string, string]> = [];
    for (let i = 0; i < 300; i++) rows.push([`10.${i % 256}.${i >> 8}.0/24`, `h${i}`]);
    const t = table(rows);
    const probe = ip("10.200.0.7");
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) t.lookup(probe);
    expect(t.lookup(probe)).toBe("h200");
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe("property: lookup equals brute-force longest containing prefix", () => {
  // Few leading-bit patterns, so random blocks nest and collide often.
  const arbCidr = fc.oneof(
    fc.tuple(fc.constant(4 as const), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(32)),
    fc.tuple(fc.constant(6 as const), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128)),
  ).map(([family, raw, prefix]) => ({ family, bytes: mask(squash(raw), prefix), prefix }));
  const arbIp = fc.oneof(
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ({ family: 4 as const, bytes: b })),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ({ family: 6 as const, bytes: b })),
  ).map((ip) => ({ ...ip, bytes: squash(ip.bytes) }));

  // Addresses are random, or the network address of one of the table's own blocks.
  const arbCase = fc.array(arbCidr, { maxLength: 40 }).chain((cidrs) => {
    const own = cidrs.map((c) => ({ family: c.family, bytes: c.bytes }));
    const address = own.length > 0 ? fc.oneof(arbIp, fc.constantFrom(...own)) : arbIp;
    return fc.tuple(fc.constant(cidrs), fc.array(address, { maxLength: 20 }));
  });

  it("matches the reference on random tables", () => {
    fc.assert(
      fc.property(arbCase, ([cidrs, ips]) => {
        const entries = cidrs.map((c, index) => ({ cidr: c, value: index }));
        const t = createCidrTable(entries);
        for (const address of ips) expect(t.lookup(address)).toBe(reference(entries, address));
      }),
      PROPERTY,
    );
  });
});

/** Keeps two bits per byte, so random addresses and blocks share long prefixes. */
function squash(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => b & 0b1000_0001);
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  return bytes.map((b, i) => b & (0xff << (8 - Math.min(8, Math.max(0, prefix - 8 * i)))));
}

function reference(entries: ReadonlyArray<{ cidr: Cidr; value: number }>, address: IpAddress) {
  let best: { cidr: Cidr; value: number } | undefined;
  for (const entry of entries) {
    if (!cidrContains(entry.cidr, address)) continue;
    if (!best || entry.cidr.prefix > best.cidr.prefix) best = entry;
  }
  return best?.value;
}
