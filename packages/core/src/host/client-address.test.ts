import { describe, expect, it } from "vitest";
import { parseCidr } from "./cidr.js";
import { createCidrTable, type CidrTable } from "./cidr-table.js";
import { MAX_FORWARDED_FOR_ENTRIES, resolveClientAddress } from "./client-address.js";
import { formatIp } from "./ip.js";

function trustedTable(...blocks: string[]): CidrTable<true> {
  return createCidrTable(
    blocks.map((text) => {
      const result = parseCidr(text);
      if (!result.ok) throw new Error(result.reason);
      return { cidr: result.cidr, value: true as const };
    }),
  );
}

// security-cases.md fixture: trusted_proxies: ["127.0.0.14/32"]
const fixture = trustedTable("127.0.0.14/32");

function client(peer: string, xff?: string[], trusted: CidrTable<true> = fixture): string {
  const result = resolveClientAddress(peer, xff, trusted);
  return result.ok ? formatIp(result.ip) : `error: ${result.reason}`;
}

describe("resolveClientAddress: identity comes from the socket (invariant 5)", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["[::1]", "::1"],
  ])("peer %s without X-Forwarded-For is %s", (peer, expected) => {
    expect(client(peer)).toBe(expected);
  });

  it.each(["", "localhost", "127.0.0.1:5000", "010.0.0.1", "fe80::1%eth0", "::ffff:127.1"])(
    "unparseable peer %j is refused",
    (peer) => {
      expect(client(peer)).toBe("error: unparseable socket peer address");
    },
  );

  it("SEC-35: X-Forwarded-For from an untrusted peer is ignored", () => {
    expect(client("127.0.0.11", ["127.0.0.12"])).toBe("127.0.0.11");
    expect(client("127.0.0.99", ["127.0.0.11"])).toBe("127.0.0.99");
    expect(client("::ffff:127.0.0.99", ["127.0.0.11"])).toBe("127.0.0.99");
  });

  it("an untrusted peer's malformed or oversized X-Forwarded-For is ignored too", () => {
    expect(client("127.0.0.11", ["garbage, , 1.2.3.4:80"])).toBe("127.0.0.11");
    expect(client("127.0.0.11", [Array(1000).fill("1.2.3.4").join(",")])).toBe("127.0.0.11");
  });
});

describe("resolveClientAddress: trusted proxies", () => {
  it("SEC-36: a spoofed leftmost entry is skipped (right to left)", () => {
    expect(client("127.0.0.14", ["127.0.0.12, 127.0.0.11"])).toBe("127.0.0.11");
  });

  it("a v4-mapped peer is recognised as the trusted proxy", () => {
    expect(client("::ffff:127.0.0.14", ["127.0.0.12, 127.0.0.11"])).toBe("127.0.0.11");
  });

  it("skips trusted hops, including ones written as mapped IPv6", () => {
    expect(client("127.0.0.14", ["127.0.0.12, 127.0.0.11, 127.0.0.14"])).toBe("127.0.0.11");
    expect(client("127.0.0.14", ["127.0.0.11, ::ffff:127.0.0.14"])).toBe("127.0.0.11");
  });

  it("joins several field lines in order", () => {
    expect(client("127.0.0.14", ["127.0.0.12", "127.0.0.11"])).toBe("127.0.0.11");
    expect(client("127.0.0.14", ["127.0.0.11", "127.0.0.14, 127.0.0.14"])).toBe("127.0.0.11");
  });

  it("every entry trusted: the leftmost entry is the client", () => {
    const trusted = trustedTable("10.0.0.0/8");
    expect(client("10.0.0.5", ["10.0.0.7, 10.0.0.6"], trusted)).toBe("10.0.0.7");
    expect(client("10.0.0.5", ["10.0.0.7"], trusted)).toBe("10.0.0.7");
  });

  it("a trusted proxy without X-Forwarded-For is identified by its own address", () => {
    expect(client("127.0.0.14")).toBe("127.0.0.14");
    expect(client("127.0.0.14", [])).toBe("127.0.0.14");
  });

  it("accepts IPv6 entries, bracketed or not, and trims spaces and tabs", () => {
    const trusted = trustedTable("::1/128", "127.0.0.14/32");
    expect(client("::1", ["2001:db8::7"], trusted)).toBe("2001:db8::7");
    expect(client("::1", ["[2001:db8::7]"], trusted)).toBe("2001:db8::7");
    expect(client("::1", ["  127.0.0.11\t,\t::1 "], trusted)).toBe("127.0.0.11");
    expect(client("::1", ["::ffff:127.0.0.11"], trusted)).toBe("127.0.0.11");
  });

  it.each([
    ["empty value", [""]],
    ["empty entry", ["127.0.0.11, , 127.0.0.14"]],
    ["trailing comma", ["127.0.0.11,"]],
    ["a name", ["unknown"]],
    ["garbage", ["<script>"]],
    ["IPv4 with a port", ["127.0.0.11:5000"]],
    ["bracketed IPv6 with a port", ["[::1]:5000"]],
    ["octal IPv4", ["0177.0.0.1"]],
    ["shorthand IPv4", ["127.1"]],
    ["zone id", ["fe80::1%eth0"]],
    ["RFC 7239 syntax", ["for=127.0.0.11"]],
    ["quoted", ['"127.0.0.11"']],
    ["newline inside", ["127.0.0.11\n"]],
    ["malformed line after a good one", ["127.0.0.11", "bogus"]],
  ])("malformed entry during the walk is refused: %s", (_, xff) => {
    expect(client("127.0.0.14", xff)).toBe("error: malformed X-Forwarded-For");
  });

  it("entries left of the client are never examined (the client wrote them)", () => {
    expect(client("127.0.0.14", ["bogus, 127.0.0.11"])).toBe("127.0.0.11");
  });

  it(`more than ${MAX_FORWARDED_FOR_ENTRIES} entries is refused (invariant 8)`, () => {
    const entries = (n: number) => [Array(n).fill("127.0.0.11").join(", ")];
    expect(client("127.0.0.14", entries(MAX_FORWARDED_FOR_ENTRIES))).toBe("127.0.0.11");
    expect(client("127.0.0.14", entries(MAX_FORWARDED_FOR_ENTRIES + 1))).toMatch(/^error: .*64/);
    const lines = Array<string>(MAX_FORWARDED_FOR_ENTRIES + 1).fill("127.0.0.11");
    expect(client("127.0.0.14", lines)).toMatch(/^error: /);
  });
});
