import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compilePatterns, createScrubber, scrubText } from "./scrubber.js";
import { concat, dec, enc, FC, R, reference, runChunks, split } from "./scrubber-test-kit.js";

// The scrubber against an obviously correct leftmost-longest replacement, on generated texts,
// patterns and chunkings.
describe("createScrubber: leftmost-longest", () => {
  it.each([
    // [patterns, input, expected]
    [["secret"], "a secret here", `a ${R} here`],
    [["secret"], "secretsecret", `${R}${R}`],
    [["ab", "abcd"], "abcd", R],
    [["ab", "abcd"], "abcx", `${R}cx`],
    [["ab", "abcd"], "abc", `${R}c`],
    [["bc", "abcd"], "abcd", R], // a later-ending match that starts earlier wins
    [["bc", "abcd"], "abce", `a${R}e`],
    [["abcdef", "cd"], "abcdX", `ab${R}X`], // the long pattern fails; the nested one is found again
    [["abcdef", "cd", "ab"], "abcdX", `${R}${R}X`],
    [["aab", "ab"], "aaab", `a${R}`],
    [["abc", "bcd"], "abcd", `${R}d`], // crossing overlap: the leftmost one wins
    [["a"], "banana", `b${R}n${R}n${R}`],
    [["héllo"], "héllo wörld", `${R} wörld`],
    [[], "nothing to do", "nothing to do"],
    [[""], "empty patterns are ignored", "empty patterns are ignored"],
  ])("%j in %j → %j", (patterns, input, expected) => {
    expect(scrubText(input, patterns).text).toBe(expected);
    // Byte by byte gives the same.
    const compiled = compilePatterns(patterns);
    const bytes = enc.encode(input);
    const oneByOne = runChunks(compiled, [...bytes].map((b) => new Uint8Array([b])));
    expect(dec.decode(oneByOne.bytes)).toBe(expected);
  });

  it("counts replacements and accepts a custom replacement", () => {
    expect(scrubText("x-secret-secret-y", ["secret"])).toEqual({ text: `x-${R}-${R}-y`, replacements: 2 });
    const s = createScrubber(["secret"], "***");
    const out = concat([s.push(enc.encode("a secr")), s.push(enc.encode("et b")), s.flush()]);
    expect(dec.decode(out)).toBe("a *** b");
    expect(s.replacements).toBe(1);
  });

  it("matches the reference and is independent of chunking (small alphabet, many overlaps)", () => {
    const unit = fc.constantFrom("a", "b", "€");
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: fc.constantFrom("a", "b", "c", "€"), maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (patterns, text, cuts) => {
          const bytes = enc.encode(text);
          const expected = reference(bytes, patterns);
          const compiled = compilePatterns(patterns);
          const whole = runChunks(compiled, [bytes]);
          const chunked = runChunks(compiled, split(bytes, cuts));
          expect(whole.bytes).toEqual(expected.bytes);
          expect(chunked.bytes).toEqual(expected.bytes);
          expect(whole.replacements).toBe(expected.replacements);
          expect(chunked.replacements).toBe(expected.replacements);
        },
      ),
      FC,
    );
  });

  it("matches the reference when patterns are long enough for Wu–Manber skipping (near-misses everywhere)", () => {
    const unit = fc.constantFrom("a", "b", "c");
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 6, maxLength: 12 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.oneof(fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 30 }), fc.nat()), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (patterns, parts, cuts) => {
          // Text built from pattern pieces (whole, cut short, or glued) and filler.
          const text = parts.map((part) => (typeof part === "number" ? patterns[part % patterns.length]!.slice(0, 1 + (part % 12)) : part)).join("");
          const bytes = enc.encode(text);
          const expected = reference(bytes, patterns);
          const compiled = compilePatterns(patterns);
          expect(compiled.window).toBeGreaterThanOrEqual(6);
          expect(runChunks(compiled, [bytes]).bytes).toEqual(expected.bytes);
          const chunked = runChunks(compiled, split(bytes, cuts));
          expect(chunked.bytes).toEqual(expected.bytes);
          expect(chunked.replacements).toBe(expected.replacements);
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
  });

  it("matches the reference on long bodies: four skip chains per block, several blocks per chunk", () => {
    // Bodies of 2–50 KB (a block of starts is 16 Ki, four chains from 1 Ki starts) with pattern
    // pieces, whole or cut short, planted at random offsets (windowCandidates' own test covers
    // every start at the slice edges).
    const alphabet = "abcdefgh";
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(...alphabet), minLength: 6, maxLength: 24 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 2_000, max: 50_000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (patterns, length, plants, cuts, seed) => {
          const text = new Uint8Array(length);
          let x = seed;
          for (let i = 0; i < length; i++) {
            x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
            text[i] = "ijklmnopqrstuvwxyz0123456789abcdefgh".charCodeAt((x >>> 8) % 36);
          }
          for (const [at, which, cut] of plants) {
            const piece = enc.encode(patterns[which % patterns.length]!);
            text.set(piece.subarray(0, piece.length - (cut % 3 === 0 ? 1 : 0)), at % (length - piece.length + 1));
          }
          const expected = reference(text, patterns);
          const compiled = compilePatterns(patterns);
          expect(compiled.window).toBeGreaterThanOrEqual(6);
          const whole = runChunks(compiled, [text]);
          expect(whole.bytes).toEqual(expected.bytes);
          expect(whole.replacements).toBe(expected.replacements);
          const chunked = runChunks(compiled, split(text, cuts));
          expect(chunked.bytes).toEqual(expected.bytes);
          expect(chunked.replacements).toBe(expected.replacements);
        },
      ),
      { seed: 42, numRuns: 30 },
    );
  }, 60_000);

  it("matches the reference on arbitrary bytes", () => {
    const bytesArb = fc.uint8Array({ maxLength: 4 }).map((a) => a.map((b) => b & 3));
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 5 }).map((a) => a.map((b) => b & 3)), { maxLength: 5 }),
        fc.array(bytesArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (patternBytes, pieces, cuts) => {
          // Bytes 0..3 as latin1 characters: each is one UTF-8 byte, so patterns are exact byte strings.
          const patterns = patternBytes.map((p) => String.fromCharCode(...p));
          const text = enc.encode(pieces.map((p) => String.fromCharCode(...p)).join(""));
          const expected = reference(text, patterns);
          expect(runChunks(compilePatterns(patterns), split(text, cuts)).bytes).toEqual(expected.bytes);
        },
      ),
      FC,
    );
  });
});
