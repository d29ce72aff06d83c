import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCS_PATHS, docsAnswer } from "../src/docs-assets.js";

const text = (body: Uint8Array) => new TextDecoder().decode(body);
const header = (headers: string[], name: string) => {
  const i = headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === name.toLowerCase());
  return i === -1 ? undefined : headers[i + 1];
};
const page = () => docsAnswer("/docs")!;
const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** Every URL the HTML makes the browser load or navigate to. */
const urlsIn = (html: string) => [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);

describe("docsAnswer", () => {
  it("serves an HTML page with no absolute URL at all", () => {
    const answer = page();
    expect(answer.status).toBe(200);
    expect(header(answer.headers, "Content-Type")).toBe("text/html; charset=utf-8");
    const html = text(answer.body);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\/\/[a-z0-9]/i); // no protocol-relative URL either
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script[^>]*>[^<]+<\/script>/i); // no inline script (CSP)
    expect(html).not.toMatch(/\sstyle\s*=|<style/i);
  });

  it("loads only its own assets, resolved from /docs (and from a mount prefix)", () => {
    const urls = urlsIn(text(page().body));
    expect(urls).toContain("docs/swagger-ui.css");
    expect(urls).toContain("docs/swagger-ui-bundle.js");
    for (const url of urls.filter((u) => !u.startsWith("data:"))) {
      const resolved = new URL(url, "http://outpost.test/docs");
      expect(resolved.origin).toBe("http://outpost.test");
      expect(DOCS_PATHS).toContain(resolved.pathname);
      expect(docsAnswer(resolved.pathname)).toBeDefined();
      expect(new URL(url, "http://outpost.test/outpost/docs").pathname).toBe(`/outpost${resolved.pathname}`);
    }
  });

  it("points Swagger UI at openapi.json, relative to the page, with no remote validator", () => {
    const init = text(docsAnswer("/docs/swagger-initializer.js")!.body);
    const url = /url:\s*"([^"]+)"/.exec(init)?.[1];
    expect(new URL(url!, "http://outpost.test/docs").pathname).toBe("/openapi.json");
    expect(init).toContain("validatorUrl: null");
    expect(init).not.toMatch(/https?:/i);
  });

  it.each([
    ["/docs/swagger-ui.css", "text/css; charset=utf-8", "swagger-ui.css"],
    ["/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "swagger-ui-bundle.js"],
  ])("serves %s from swagger-ui-dist with its type", (path, type, file) => {
    const answer = docsAnswer(path)!;
    expect(answer.status).toBe(200);
    expect(header(answer.headers, "Content-Type")).toBe(type);
    expect(header(answer.headers, "X-Content-Type-Options")).toBe("nosniff");
    expect(answer.body.byteLength).toBeGreaterThan(1000);
    expect(Buffer.from(answer.body).equals(readFileSync(join(dist, file)))).toBe(true);
  });

  it("the stylesheet loads no remote fonts or images", () => {
    const css = text(docsAnswer("/docs/swagger-ui.css")!.body);
    expect(css).not.toMatch(/@import/i);
    for (const [, target] of css.matchAll(/url\(\s*["']?([^"')]{0,40})/gi)) expect(target).toMatch(/^data:/);
  });

  it("sends a same-origin-only Content-Security-Policy on every answer", () => {
    for (const path of DOCS_PATHS) {
      const csp = header(docsAnswer(path)!.headers, "Content-Security-Policy")!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
      // Every source list names only 'self', 'none' or data: (swagger-ui.css draws icons as data: URIs).
      for (const directive of csp.split(";")) {
        for (const source of directive.trim().split(/\s+/).slice(1)) expect(["'self'", "'none'", "data:"]).toContain(source);
      }
    }
  });

  it("answers nothing for other paths", () => {
    for (const path of ["/", "/docs/", "/docs/index.html", "/docs/swagger-ui.css.map", "/docs/../package.json", "/docs/swagger-initializer.js/", "/DOCS"]) {
      expect(docsAnswer(path)).toBeUndefined();
    }
  });

  it("reads assets once: the same bytes every call, fresh header arrays", () => {
    const a = docsAnswer("/docs/swagger-ui-bundle.js")!;
    const b = docsAnswer("/docs/swagger-ui-bundle.js")!;
    expect(a.body).toBe(b.body);
    a.headers.push("X-Extra", "1");
    expect(b.headers).not.toContain("X-Extra");
    expect(docsAnswer("/docs/swagger-ui-bundle.js")!.headers).not.toContain("X-Extra");
  });
});
