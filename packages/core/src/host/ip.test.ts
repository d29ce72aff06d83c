import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIp, parseIp, type IpAddress } from "./ip.js";

const PROPERTY = { seed: 42, numRuns: 1000 };

function v4(...bytes: number[]): IpAddress {
  return { family: 4, bytes: Uint8Array.from(bytes) };
}

function v6(...bytes: number[]): IpAddress {
  return { family: 6, bytes: Uint8Array.from(bytes) };
}

describe("parseIp: IPv4", () => {
  it.each([
    ["0.0.0.0", [0, 0, 0, 0]],
    ["127.0.0.1", [127, 0, 0, 1]],
    ["10.0.1.0", [10, 0, 1, 0]],
    ["255.255.255.255", [255, 255, 255, 255]],
    ["192.168.100.200", [192, 168, 100, 200]],
  ])("accepts %s", (text, bytes) => {
    expect(parseIp(text)).toEqual(v4(...bytes));
  });

  it.each([
    ["010.0.0.1", "leading zero, read as octal by inet_aton"],
    ["10.0.0.01", "leading zero in the last part"],
    ["00.0.0.0", "double zero"],
    ["0x0a.0.0.1", "hex part"],
    ["0xa000001", "single hex number"],
    ["167772161", "single decimal number"],
    ["10.1", "shorthand"],
    ["10.0.1", "three parts"],
    ["10.0.0.1.5", "five parts"],
    ["256.0.0.1", "part out of range"],
    ["1.2.3.1000", "part too long"],
    ["1.2.3.-1", "negative"],
    ["1.2.3.+1", "plus sign"],
    ["1.2.3.", "empty part"],
    [".1.2.3", "leading dot"],
    ["1..2.3", "empty middle part"],
    [" 1.2.3.4", "leading space"],
    ["1.2.3.4 ", "trailing space"],
    ["1.2.3.4\n", "trailing newline"],
    ["1.2.3.4:80", "port"],
    ["1.2.3.4/32", "prefix"],
    ["[1.2.3.4]", "brackets around IPv4"],
    ["1.2.3.４", "full-width digit"],
    ["1.2.3.1e1", "exponent"],
    ["", "empty"],
    ["localhost", "a name"],
  ])("rejects %j (%s)", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe("parseIp: IPv6", () => {
  it.each([
    ["::", "::"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["1::", "1::"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
    ["fe80::1:0:0:0", "fe80::1:0:0:0"],
    ["fe80:0:0:1:0:0:0:0", "fe80:0:0:1::"],
    ["::1.2.3.4", "::102:304"],
    ["64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["[2001:db8::]", "2001:db8::"],
  ])("accepts %s as %s", (text, canonical) => {
    const ip = parseIp(text);
    expect(ip?.family).toBe(6);
    expect(ip && formatIp(ip)).toBe(canonical);
  });

  it.each([
    ["fe80::1%eth0", "zone id"],
    ["[fe80::1%25eth0]", "encoded zone id in brackets"],
    ["1::2::3", "two compressions"],
    [":::", "triple colon"],
    ["1:2:3:4:5:6:7:8:9", "nine pieces"],
    ["1:2:3:4:5:6:7", "seven pieces without ::"],
    ["1:2:3:4:5:6:7:8::", "eight pieces plus ::"],
    ["::1:2:3:4:5:6:7:8", ":: plus eight pieces"],
    [":1:2:3:4:5:6:7", "leading single colon"],
    ["1:2:3:4:5:6:7:", "trailing single colon"],
    ["12345::", "five hex digits"],
    ["g::1", "not hex"],
    ["::0x1", "hex prefix"],
    ["1.2.3.4::", "IPv4 before ::"],
    ["1.2.3.4::1", "IPv4 not at the end"],
    ["::1.2.3.4:5", "IPv4 in the middle"],
    ["1:2:3:4:5:6:7:1.2.3.4", "IPv4 tail makes nine pieces"],
    ["::010.0.0.1", "octal in the IPv4 tail"],
    ["::ffff:10.1", "shorthand IPv4 tail"],
    ["[::1", "unclosed bracket"],
    ["::1]", "stray bracket"],
    ["[::1]:80", "bracket with port"],
    ["[[::1]]", "double brackets"],
    [" ::1", "leading space"],
    ["::1 ", "trailing space"],
  ])("rejects %j (%s)", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe("parseIp: IPv4-mapped IPv6 is IPv4 (DESIGN §2.2)", () => {
  it.each([
    "::ffff:127.0.0.1",
    "::FFFF:127.0.0.1",
    "::ffff:7f00:1",
    "0:0:0:0:0:ffff:7f00:0001",
    "[::ffff:127.0.0.1]",
  ])("%s is 127.0.0.1", (text) => {
    expect(parseIp(text)).toEqual(v4(127, 0, 0, 1));
  });

  it("::ffff:0a00:0001 is 10.0.0.1", () => {
    expect(parseIp("::ffff:0a00:0001")).toEqual(v4(10, 0, 0, 1));
  });

  it("IPv4-compatible (::a.b.c.d) and NAT64 addresses stay IPv6", () => {
    expect(parseIp("::127.0.0.1")?.family).toBe(6);
    expect(parseIp("64:ff9b::127.0.0.1")?.family).toBe(6);
    expect(parseIp("::fffe:127.0.0.1")?.family).toBe(6);
  });
});

describe("formatIp", () => {
  it("formats IPv4 as dotted decimal", () => {
    expect(formatIp(v4(10, 0, 1, 255))).toBe("10.0.1.255");
  });

  it("compresses the first of two equal longest zero runs (RFC 5952 §4.2.3)", () => {
    expect(formatIp(v6(0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4))).toBe("1::2:0:0:3:4");
  });

  it("does not compress a single zero piece (RFC 5952 §4.2.2)", () => {
    expect(formatIp(v6(0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7))).toBe("1:0:2:3:4:5:6:7");
  });

  it("keeps the dotted tail for a mapped address given as family 6 (RFC 5952 §5)", () => {
    const mapped = v6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1);
    expect(formatIp(mapped)).toBe("::ffff:192.0.2.1");
  });
});

describe("properties", () => {
  const v4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });
  // Zero-heavy pieces so that compression and tie-breaking are actually exercised.
  const piece = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  const v6Bytes = fc.array(piece, { minLength: 8, maxLength: 8 }).map((pieces) => {
    const bytes = new Uint8Array(16);
    pieces.forEach((p, i) => bytes.set([p >> 8, p & 0xff], 2 * i));
    return bytes;
  });
  const isMapped = (b: Uint8Array) => b.slice(0, 12).join() === "0,0,0,0,0,0,0,0,0,0,255,255";

  it("IPv4 round-trips through formatIp and parseIp", () => {
    fc.assert(
      fc.property(v4Bytes, (bytes) => {
        expect(parseIp(formatIp({ family: 4, bytes }))).toEqual({ family: 4, bytes });
      }),
      PROPERTY,
    );
  });

  it("IPv6 round-trips; mapped addresses come back as IPv4", () => {
    fc.assert(
      fc.property(v6Bytes, (bytes) => {
        const expected = isMapped(bytes) ? v4(...bytes.slice(12)) : { family: 6, bytes };
        expect(parseIp(formatIp({ family: 6, bytes }))).toEqual(expected);
      }),
      PROPERTY,
    );
  });

  it("IPv6 text matches the WHATWG URL serializer, which also follows RFC 5952", () => {
    fc.assert(
      fc.property(v6Bytes, (bytes) => {
        fc.pre(!isMapped(bytes));
        const full = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
        const padded = full.map((p) => p.toString(16).padStart(4, "0")).join(":");
        const fromUrl = new URL(`http://[${padded}]/`).hostname.slice(1, -1);
        expect(formatIp({ family: 6, bytes })).toBe(fromUrl);
        expect(parseIp(padded)).toEqual({ family: 6, bytes });
      }),
      PROPERTY,
    );
  });
});
