import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTime } from "./request-log.js";

describe("isoTime: the request log's timestamp", () => {
  it("is exactly Date#toISOString, in any order of calls (the per-second prefix is cached)", () => {
    const instant = fc.integer({ min: 0, max: 253_402_300_799_999 }); // 1970 … 9999-12-31T23:59:59.999Z
    fc.assert(
      fc.property(fc.array(fc.oneof(instant, instant.map((ms) => ms + 0.75)), { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) expect(isoTime(ms)).toBe(new Date(Math.floor(ms)).toISOString());
      }),
      { numRuns: 2_000 },
    );
  });

  it("moves across second boundaries", () => {
    expect(isoTime(1_764_386_457_999)).toBe("2025-11-29T03:20:57.999Z");
    expect(isoTime(1_764_386_458_000)).toBe("2025-11-29T03:20:58.000Z");
    expect(isoTime(1_764_386_458_007)).toBe("2025-11-29T03:20:58.007Z");
    expect(isoTime(1_764_386_458_070)).toBe("2025-11-29T03:20:58.070Z");
  });
});
