import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlobParts } from "./glob.js";
import { createRuleIndex, firstMatchLinear, type IndexableRule } from "./rule-index.js";

const rule = (pattern: string, methods: readonly string[] = ["GET"]): IndexableRule => ({
  ...compileGlobParts(pattern),
  anyMethod: methods.includes("*"),
  methods: new Set(methods),
});

describe("createRuleIndex: first match wins, as in the list", () => {
  it("a deeper rule listed first beats a shallower one, and the other way round", () => {
    const rules = [rule("/a/b/*"), rule("/a/**"), rule("/a/b/c")];
    const first = createRuleIndex(rules);
    expect(first("GET", "/a/b/c")).toBe(0);
    expect(first("GET", "/a/x")).toBe(1);
    expect(first("GET", "/a/b/c/d")).toBe(1);
    expect(first("GET", "/b")).toBe(-1);
  });

  it("keeps per-method order, with any-method rules in every method's list", () => {
    const rules = [rule("/a/*", ["POST"]), rule("/a/*", ["*"]), rule("/a/x", ["GET", "DELETE"])];
    const first = createRuleIndex(rules);
    expect(first("POST", "/a/x")).toBe(0);
    expect(first("GET", "/a/x")).toBe(1);
    expect(first("PURGE", "/a/x")).toBe(1);
    expect(createRuleIndex([rule("/a/x", ["GET"])])("get", "/a/x")).toBe(-1); // methods compare exactly
  });

  it("a literal prefix that ends inside a segment does not index that segment", () => {
    const rules = [rule("/ab*"), rule("/ab/*"), rule("/ab")];
    const first = createRuleIndex(rules);
    expect(first("GET", "/abc")).toBe(0);
    expect(first("GET", "/ab/c")).toBe(1);
    expect(first("GET", "/ab")).toBe(2);
  });

  it("matches canonical forms of decoded pattern literals", () => {
    const first = createRuleIndex([rule("/café/*"), rule("/%7euser/**")]);
    expect(first("GET", "/caf%C3%A9/menu")).toBe(0);
    expect(first("GET", "/~user/a/b")).toBe(1);
  });

  it("the issue-7 layout: 999 rules that share a first segment, then the one that matches", () => {
    const rules = Array.from({ length: 999 }, (_, i) => rule(`/small/item-${i + 1}/*`));
    rules.push(rule("/small"));
    const first = createRuleIndex(rules);
    expect(first("GET", "/small")).toBe(999);
    expect(first("GET", "/small/item-500/x")).toBe(499);
    expect(first("GET", "/small/item-500")).toBe(-1);
  });
});

describe("createRuleIndex: property", () => {
  const segment = fc.constantFrom("a", "b", "ab", "a.b", "*", "**", "{id}", "a*", "*b", "a*b", "a**", "%7e", "é");
  const pattern = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([segments, slash]) => `/${segments.join("/")}${slash ? "/" : ""}`);
  const methods = fc.subarray(["GET", "POST", "*"], { minLength: 1 });
  const rules = fc.array(fc.tuple(pattern, methods), { maxLength: 30 }).map((list) => list.map(([p, m]) => rule(p, m)));
  const pathSegment = fc.constantFrom("a", "b", "ab", "abb", "a.b", "x", "~", "%C3%A9", "");
  const path = fc.oneof(
    fc.tuple(fc.array(pathSegment, { maxLength: 5 }), fc.boolean()).map(([segments, slash]) => `/${segments.join("/")}${slash ? "/" : ""}`),
    fc.string({ maxLength: 12 }),
  );
  const method = fc.constantFrom("GET", "POST", "DELETE");

  it("gives the same rule as the linear scan on random rule sets, methods and paths", () => {
    fc.assert(
      fc.property(rules, fc.array(fc.tuple(method, path), { minLength: 1, maxLength: 20 }), (list, requests) => {
        const first = createRuleIndex(list);
        for (const [m, p] of requests) expect(first(m, p)).toBe(firstMatchLinear(list, m, p));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });
});
