import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePatterns } from "./pattern-automaton.js";
import { enc } from "./scrubber-test-kit.js";
import { windowCandidates } from "./window-candidates.js";

// The candidate list against the definition, on every start: four chains over four slices must
// keep every start where a pattern's first `window` bytes occur (else a secret could pass), and
// only starts whose window ends in a block with shift 0 (what one chain would stop at).
describe("windowCandidates", () => {
  const unit = fc.constantFrom("a", "b", "c", "d");

  it("keeps every start where a pattern's window occurs, in order, across slice edges", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 6, maxLength: 14 }), { minLength: 1, maxLength: 4 }),
        // Around the four-chain threshold (1,024 starts) and a scrubber block (16 Ki starts).
        fc.constantFrom(40, 1_023, 1_024, 1_029, 4_100, 16_384, 16_400),
        fc.nat(),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (patterns, starts, cutFrom, cutTo, density, seed) => {
          const compiled = compilePatterns(patterns);
          const { window, shift } = compiled;
          expect(window).toBeGreaterThanOrEqual(6);
          // Filler outside the patterns' alphabet, with pattern windows planted at a density from
          // none to back to back: sparse text takes long jumps, dense text stops everywhere.
          const chunk = new Uint8Array(starts + window - 1 + 7);
          let x = seed;
          const random = () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff) >>> 8;
          for (let i = 0; i < chunk.length; i++) chunk[i] = 0x65 + (random() % 20); // e…x
          for (let i = 0; i < chunk.length; i++) {
            if ((random() % 1000) / 1000 < density / 8) {
              const piece = enc.encode(patterns[random() % patterns.length]!);
              chunk.set(piece.subarray(0, Math.min(piece.length, chunk.length - i)), i);
            }
          }
          const lastStart = chunk.length - window;
          // Often the whole chunk (small generated numbers would keep ranges short of four chains).
          const from = cutFrom % 3 === 0 ? 0 : cutFrom % (lastStart + 1);
          const to = cutTo % 2 === 0 ? lastStart + 1 : from + (cutTo % (lastStart + 2 - from));
          // And a pattern's window right at or next to each slice edge (where a chain hands over).
          const quarter = (to - from) >> 2;
          for (const edge of [from, from + quarter, from + 2 * quarter, from + 3 * quarter, to]) {
            const start = edge - 2 + (random() % 4);
            if (start >= from && start < to) chunk.set(enc.encode(patterns[random() % patterns.length]!.slice(0, window)), start);
          }
          const out = new Uint32Array(to - from);
          const count = windowCandidates(chunk, from, to, window, shift, out);
          const found = [...out.subarray(0, count)];

          const windows = new Set(patterns.map((p) => p.slice(0, window)));
          const text = String.fromCharCode(...chunk);
          const kept = new Set(found);
          const missed: number[] = [];
          for (let s = from; s < to; s++) if (windows.has(text.slice(s, s + window)) && !kept.has(s)) missed.push(s);
          expect(missed).toEqual([]);
          // A plain check per entry: `expect` on each would dominate the run time.
          const wrong = found.filter((s, i) => s < from || s >= to || (i > 0 && s <= found[i - 1]!) || shift[(chunk[s + window - 2]! << 8) | chunk[s + window - 1]!] !== 0);
          expect(wrong).toEqual([]);
        },
      ),
      { seed: 42, numRuns: 500 },
    );
  });
});
