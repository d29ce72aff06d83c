import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainTarget } from "./upstream-request.js";

const ORIGIN = "https://api.example.com";

/** What the URL API would send for this path and query, or undefined when it changes them. */
function serialisedUnchanged(path: string, query: string): boolean {
  const pathAndQuery = path + (query ? `?${query}` : "");
  const url = new URL(pathAndQuery, ORIGIN);
  return url.origin === ORIGIN && url.pathname + url.search === pathAndQuery;
}

// Mostly characters the shortcut accepts (so it vouches often), sometimes one the parser treats specially.
const PLAIN = [..."ab/Z09-._~!$&'()*+,;=:@%?", "..", "./", "/."];
const SPECIAL = [..."#\\ \"<>`{}^|[]\t\n", "%2e", "%2E", "é", "\u0000", "\u2028"];
const text = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(...PLAIN), weight: 9 }, { arbitrary: fc.constantFrom(...SPECIAL), weight: 1 }), { maxLength: 16 })
  .map((parts) => parts.join(""));

describe("isPlainTarget: the shortcut past the URL parser (invariants 2 and 3)", () => {
  it("never vouches for a target the URL API would serialise differently", () => {
    let vouched = 0;
    fc.assert(
      fc.property(text, text, (rest, query) => {
        const path = `/${rest}`;
        if (!isPlainTarget(path, query)) return;
        vouched++;
        expect(serialisedUnchanged(path, query)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    // The property means something only if the shortcut was taken often.
    expect(vouched).toBeGreaterThan(1_000);
  });

  it.each([
    ["/repos/octo/hello-world/issues", "state=open&per_page=100"],
    ["/v1/chat/completions", ""],
    ["/files/report.v2.json", "q=a%20b&x=1,2"],
    ["/", ""],
  ])("takes everyday targets: %s ? %s", (path, query) => {
    expect(isPlainTarget(path, query)).toBe(true);
  });

  it.each([
    ["//evil.example/x", ""],
    ["/a/../b", ""],
    ["/a/./b", ""],
    ["/a/..", ""],
    ["/a/%2e%2e/b", ""],
    ["/a\\b", ""],
    ["/a b", ""],
    ["/a", "q='x'"],
    ["/a", "q=#frag"],
    ["/é", ""],
  ])("leaves the rest to the URL parser: %s ? %s", (path, query) => {
    expect(isPlainTarget(path, query)).toBe(false);
  });
});
