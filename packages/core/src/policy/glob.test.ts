import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { compileGlob } from "./glob.js";

const matches = (pattern: string, path: string) => compileGlob(pattern)(path);

describe("compileGlob: matching", () => {
  it.each([
    // fixture rules from security-cases.md
    ["/repos/*/*/secrets", "/repos/a/b/secrets", true],
    ["/repos/*/*/secrets", "/repos/a/secrets", false],
    ["/repos/*/*/secrets", "/repos/a/b/c/secrets", false],
    ["/repos/*/*/issues", "/repos/a/b/issues", true],
    ["/repos/*/*/issues", "/repos/a/b/issues/", false],
    ["/repos/**", "/repos/x/y", true],
    ["/repos/**", "/repos/x", true],
    ["/repos/**", "/repos/x/y/z/", true],
    ["/repos/**", "/repos/", false], // "**" needs at least one character
    ["/repos/**", "/repos", false],
    ["/repos/**", "/REPOS/a/b", false], // SEC-15: allow rules are case-sensitive
    ["/search/code", "/search/code", true],
    ["/search/code", "/search/code/", false], // full-string match
    ["/search/code", "/search/codes", false],
    ["/search/code", "/Search/code", false],
    ["/user/**", "/user/keys", true],
    // "*" stays inside a segment, also mid-segment
    ["/v1/*.json", "/v1/a.json", true],
    ["/v1/*.json", "/v1/a/b.json", false],
    ["/v1/*.json", "/v1/.json", false],
    ["/v1/*", "/v1/", false],
    ["/v1/*", "/v1/a/", false],
    ["/a/**/z", "/a/b/c/z", true],
    ["/a/**/z", "/a/z", false],
    ["/a/**/z", "/a/b/z", true],
    ["/a/**/**/z", "/a/b/c/z", true],
    ["/a/**/**/z", "/a/b/z", false],
    // {name} is "*"
    ["/repos/{owner}/{repo}/pulls", "/repos/o/r/pulls", true],
    ["/repos/{owner}/{repo}/pulls", "/repos/o/r/x/pulls", false],
    ["/users/{id}", "/users/", false],
    // literals are literal (regex metacharacters included)
    ["/a.b", "/axb", false],
    ["/a.b", "/a.b", true],
    ["/a+b(c)$", "/a+b(c)$", true],
    ["/a+b(c)$", "/aab(c)$", false],
    // decoded pattern literals match the canonical path
    ["/café/*", "/caf%C3%A9/menu", true],
    ["/café/*", "/café/menu", false], // never canonical, never matches
    ["/caf%c3%a9", "/caf%C3%A9", true],
    ["/%7euser", "/~user", true],
    ["/a b/*", "/a%20b/x", true],
    ["/*", "/%C3%A9", true],
  ])("%s vs %s -> %s", (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it("stays fast on adversarial input (no backtracking blow-up)", () => {
    const m = compileGlob("/**/a/**/a/**/a/**/b");
    const path = "/" + "a/".repeat(4000) + "c";
    const start = performance.now();
    expect(m(path)).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe("compileGlob: invalid patterns", () => {
  it.each([
    ["repos/**", "must start with"],
    ["", "must start with"],
    ["*", "must start with"],
    ["/a/***", "adjacent wildcards"],
    ["/a/*{id}", "adjacent wildcards"],
    ["/a/{id", "unbalanced brace"],
    ["/a/id}", "unbalanced brace"],
    ["/a/{}", "bad parameter name"],
    ["/a/{a b}", "bad parameter name"],
    ["/a/../b", "dot segment"],
    ["/a/./*", "dot segment"],
    ["//a", "empty segment"],
    ["/a//*", "empty segment"],
    ["/a%2fb", "encoded slash"],
    ["/a;b", "path parameter"],
    ["/a\\b", "backslash"],
    ["/a%zz", "invalid percent-encoding"],
    ["/caf%C3*%A9", "invalid UTF-8"],
  ])("%j throws (%s)", (pattern, message) => {
    expect(() => compileGlob(pattern)).toThrow(message);
  });

  it("names the offending pattern", () => {
    expect(() => compileGlob("/a/../b")).toThrow('"/a/../b"');
  });
});

/** Independent reference: the textbook regex translation, fine for short test inputs. */
function referenceRegex(pattern: string): RegExp {
  const body = pattern
    .split(/(\*\*|\*)/)
    .map((t) => (t === "**" ? ".+" : t === "*" ? "[^/]+" : t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

describe("compileGlob: properties", () => {
  it("agrees with a reference regex on random patterns and paths", () => {
    const token = fc.constantFrom("a", "b", ".", "/", "*", "**");
    const pattern = fc
      .array(token, { minLength: 1, maxLength: 8 })
      .map((ts) => "/" + ts.join(""))
      .filter((p) => !/\*\*\*|\/\/|(^|\/)\.\.?(\/|$)/.test(p.replace(/\*+/g, (s) => (s.length > 2 ? "***" : "x"))));
    const path = fc.array(fc.constantFrom("a", "b", ".", "/"), { maxLength: 10 }).map((cs) => "/" + cs.join(""));
    fc.assert(
      fc.property(pattern, path, (p, x) => {
        expect(compileGlob(p)(x)).toBe(referenceRegex(p).test(x));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
