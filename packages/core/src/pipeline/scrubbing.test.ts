import { describe, expect, it } from "vitest";
import type { AuthModule } from "../auth/types.js";
import { scrubText } from "../scrub/scrubber.js";
import { scrubPatternSource } from "./scrubbing.js";

function moduleWith(values: string[]): AuthModule {
  return { type: "test", secretValues: () => values, apply: async () => ({ headers: [], query: [] }) } as unknown as AuthModule;
}

describe("scrubPatternSource: the patterns follow the module's current secrets", () => {
  it("picks up a secret added to the same array in place (a plugin may do that)", () => {
    const values = ["first-secret-value"];
    const patterns = scrubPatternSource(moduleWith(values));
    expect(scrubText("a first-secret-value b", patterns()!).replacements).toBe(1);
    values.push("second-secret-value");
    expect(scrubText("second-secret-value", patterns()!).replacements).toBe(1);
    values.length = 0;
    expect(patterns()).toBeUndefined();
  });

  it("compiles once while the values stay the same, even from new arrays", () => {
    let calls = 0;
    const patterns = scrubPatternSource({
      ...moduleWith([]),
      secretValues: () => {
        calls++;
        return ["same-secret-value"];
      },
    } as AuthModule);
    const first = patterns();
    expect(patterns()).toBe(first);
    expect(calls).toBe(2);
  });
});
