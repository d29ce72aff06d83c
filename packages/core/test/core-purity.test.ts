import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Strips comments so prose that names a forbidden API does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/**
 * Core runs unchanged on Node and in workerd (DESIGN §1): no host APIs, and real time only
 * through the clock port. The typecheck with `"types": []` catches the rest at build time.
 */
describe("core stays Web-standard", () => {
  const files = sources(SRC);

  it("finds the sources it checks", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it.each([
    ["a node: import", /from\s+["']node:|import\(["']node:|require\(/],
    ["a bare Node built-in import", /from\s+["'](fs|path|http|https|net|crypto|stream|buffer|os|url|util|child_process)["']/],
    ["Buffer", /\bBuffer\b/],
    ["process", /\bprocess\s*\./],
    ["setImmediate", /\bsetImmediate\b/],
    ["an ioredis or Cloudflare import", /from\s+["'](ioredis|@cloudflare\/)/],
  ])("no source file uses %s", (_label, pattern) => {
    const offenders = files.filter((file) => pattern.test(code(readFileSync(file, "utf8")))).map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });

  it("reads the real time only in the system clock (test kits excepted: they time a live server)", () => {
    const offenders = files
      .filter((file) => !file.endsWith(join("ports", "clock.ts")) && !file.includes(`${join("src", "testing")}`))
      .filter((file) => /Date\.now\(\)|performance\.now\(\)/.test(code(readFileSync(file, "utf8"))))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
