import { describe, expect, it } from "vitest";
import { canonicalQuery, injectQuery } from "./query.js";

describe("canonicalQuery: the query that is decided and signed is the one the URL API sends", () => {
  it.each([
    ["a=1&b=2", "a=1&b=2"],
    ['a="q"', "a=%22q%22"],
    ["e=é", "e=%C3%A9"],
    ["x=<y>", "x=%3Cy%3E"],
    ["q=it's", "q=it%27s"],
    ["keep=%41%zz", "keep=%41%zz"],
    ["p=/a?b", "p=/a?b"],
  ])("%s → %s, a fixpoint of URL serialisation", (raw, expected) => {
    const canonical = canonicalQuery(raw);
    expect(canonical).toBe(expected);
    expect(new URL(`http://x/p?${canonical}`).search).toBe(`?${canonical}`);
    expect(canonicalQuery(canonical)).toBe(canonical);
  });
});

describe("injectQuery: the auth module's parameters replace the agent's, whatever the spelling", () => {
  it("drops api_key, API_KEY, api%5Fkey and api_key without a value; keeps the rest in order", () => {
    expect(injectQuery("api_key=a&keep=1&API_KEY=b&api%5Fkey=c&api_key&z=2", [["api_key", "s e/cret"]])).toBe("keep=1&z=2&api_key=s%20e%2Fcret");
  });
});
