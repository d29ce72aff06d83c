import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePatterns, mayContainPattern } from "./pattern-automaton.js";
import { scrubText } from "./scrubber.js";

describe("mayContainPattern: the allocation-free pre-check for short texts", () => {
  it("is exact on ASCII text and never says no when the scrubber would replace something", () => {
    const unit = fc.constantFrom("a", "b", "c", "é");
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        fc.string({ unit, maxLength: 30 }),
        (patterns, text) => {
          const compiled = compilePatterns(patterns);
          const may = mayContainPattern(text, compiled);
          if (!may) expect(scrubText(text, compiled).replacements).toBe(0);
          if (!/[^\x00-\x7f]/.test(text)) expect(may).toBe(patterns.some((p) => text.includes(p)));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("says no for an empty pattern set", () => {
    expect(mayContainPattern("anything", compilePatterns([]))).toBe(false);
  });
});
