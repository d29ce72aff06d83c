import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "./constant-time.js";

const PSK = "SNTL_PSK_R_0123456789abcdef0123456789abcdef";

describe("constantTimeEqual", () => {
  it("equal strings", () => {
    expect(constantTimeEqual(PSK, PSK)).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("ключ-🔑", "ключ-🔑")).toBe(true);
  });

  // SEC-43: missing, empty, truncated, extended, oversized and case-changed keys.
  it.each([
    ["empty", ""],
    ["minus its last character", PSK.slice(0, -1)],
    ["plus x", `${PSK}x`],
    ["8 KiB value", "x".repeat(8192)],
    ["8 KiB value starting with the key", PSK + "x".repeat(8192)],
    ["case changed", PSK.toLowerCase()],
    ["first character changed", `X${PSK.slice(1)}`],
    ["NUL padded", `${PSK}\0`],
  ])("rejects the key %s", (_, presented) => {
    expect(constantTimeEqual(presented, PSK)).toBe(false);
    expect(constantTimeEqual(PSK, presented)).toBe(false);
  });

  it("a length difference that is a multiple of 256 is still a difference", () => {
    expect(constantTimeEqual("a", `a${"\0".repeat(256)}`)).toBe(false);
  });

  it("compares UTF-8 bytes: different code points never collide", () => {
    expect(constantTimeEqual("é", "e\u0301")).toBe(false);
    expect(constantTimeEqual("\u00e9", "\u00c3\u00a9")).toBe(false);
  });

  it("agrees with === on random strings (seed 42)", () => {
    const pair = fc.oneof(
      fc.tuple(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" })),
      fc.string({ unit: "grapheme" }).map((s) => [s, s] as const),
      fc.tuple(fc.string(), fc.nat()).map(([s, n]) => [s, s.slice(0, n)] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});
