import { describe, expect, it } from "vitest";
import { proxyRelativeLinks } from "./link-targets.js";

const rewrite = (base: string, ...pairs: string[]) => {
  const headers = [...pairs];
  proxyRelativeLinks(headers, base);
  return headers;
};

describe("proxyRelativeLinks (RFC 8288 targets under base_url become proxy paths)", () => {
  it("rewrites GitHub's pagination links to paths from the proxy root", () => {
    const link = '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last"';
    expect(rewrite("https://api.github.com", "Link", link)).toEqual(["Link", '</repositories/1/issues?page=2>; rel="next", </repositories/1/issues?page=9>; rel="last"']);
  });

  it("strips a base path prefix, keeps a query on the base itself, and any header-name case", () => {
    expect(rewrite("https://api.example.com/v2", "link", "<https://api.example.com/v2/items?after=x>; rel=next")).toEqual(["link", "</items?after=x>; rel=next"]);
    expect(rewrite("https://api.example.com/v2", "LINK", "<https://api.example.com/v2?page=2>; rel=next")).toEqual(["LINK", "</?page=2>; rel=next"]);
  });

  it("leaves targets elsewhere alone: other origins, look-alike hosts and paths, other headers", () => {
    const base = "https://api.example.com/v2";
    const untouched = [
      "Link",
      '<https://docs.example.com/v2/x>; rel="help", <https://api.example.com/v2x/y>; rel=a, <https://api.example.com.evil.test/v2/z>; rel=b, <https://api.example.com/v1/z>; rel=c',
      "Location",
      "https://api.example.com/v2/items/1",
    ];
    expect(rewrite(base, ...untouched)).toEqual(untouched);
  });
});
