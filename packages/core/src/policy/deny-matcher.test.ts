import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { canonicalizePath } from "./canonical-path.js";
import { compileDenyList } from "./deny-matcher.js";

// Mirrors the pipeline: deny runs on the canonical path; a rejected path never reaches it.
const FIXTURE = ["/user/keys", "/orgs/*/members", "/admin"];
const deny = compileDenyList(FIXTURE);
const denies = (raw: string, matcher = deny) => {
  const c = canonicalizePath(raw);
  if (!c.ok) throw new Error(`${JSON.stringify(raw)} was rejected (${c.reason}) before deny`);
  return matcher(c.path);
};

describe("compileDenyList: fixture entries", () => {
  it.each([
    ["/user/keys", "/user/keys"],
    ["/USER/keys", "/user/keys"], // SEC-15
    ["/USER/KEYS", "/user/keys"],
    ["/User/Keys", "/user/keys"],
    ["/user/KEYS", "/user/keys"],
    ["/user/keys/", "/user/keys"], // SEC-16
    ["/user/keys/x", "/user/keys"],
    ["/user/keys/1/y", "/user/keys"],
    ["/user/keys.json", "/user/keys"],
    ["/user/keys.", "/user/keys"],
    ["/user/keys.json/x", "/user/keys"],
    ["/user.json/keys", "/user/keys"],
    ["/user/%6beys", "/user/keys"], // SEC-19
    ["/%75ser/keys", "/user/keys"],
    ["/user/ke%79s", "/user/keys"],
    ["/user/%4B%45%59%53", "/user/keys"],
    ["/ｕser/keys", "/user/keys"], // fullwidth, raw
    ["/%EF%BD%95ser/keys", "/user/keys"], // fullwidth, encoded
    ["/ＵＳＥＲ/ＫＥＹＳ", "/user/keys"],
    ["/user/\u212Aeys", "/user/keys"], // KELVIN SIGN folds to "k"
    ["/user/keys\uFF0Ejson", "/user/keys"], // fullwidth full stop: format suffix after NFKC
    ["/user\uFF0Fkeys", "/user/keys"], // fullwidth solidus folds into a separator
    ["/user/keys\uFF1Bx", "/user/keys"], // fullwidth semicolon: ";params" on a lax server
    ["/user/x/\uFF0E\uFF0E/keys", "/user/keys"], // fullwidth "..": resolved on a lax server
    ["/user/\uFF05\uFF16Beys", "/user/keys"], // fullwidth "%6B" decoded after NFKC
    ["/user/keys%20", "/user/keys"], // trailing space: dropped by Windows file names and IIS
    ["/user/keys%20.%20", "/user/keys"],
    ["/user%20/keys/x", "/user/keys"],
    ["/ADMIN/x", "/admin"],
    ["/a%64min/x", "/admin"],
    ["/Admin.php", "/admin"],
    ["/orgs/acme/members", "/orgs/*/members"],
    ["/orgs/acme/members/x", "/orgs/*/members"],
    ["/ORGS/a/Members.json", "/orgs/*/members"],
    ["/orgs/%41cme/MEMBERS/", "/orgs/*/members"],
  ])("%s is denied by %s", (path, entry) => {
    expect(denies(path)).toBe(entry);
  });

  it.each([
    "/user/keysmith",
    "/user/key%20s",
    "/user",
    "/user/",
    "/user/key",
    "/user/xkeys",
    "/users/keys",
    "/user/x/keys",
    "/orgs/acme",
    "/orgs/members",
    "/orgs/a/b/members",
    "/administrator",
    "/repos/admin",
    "/",
  ])("%s is not denied", (path) => {
    expect(denies(path)).toBeUndefined();
  });
});

describe("compileDenyList: entry forms", () => {
  it("returns the entry exactly as written", () => {
    const m = compileDenyList(["/User/Keys/", "/v1/{account}/secrets"]);
    expect(m("/user/keys")).toBe("/User/Keys/");
    expect(m("/v1/acct_1/secrets/x")).toBe("/v1/{account}/secrets");
  });

  it("'**' matches one or more segments", () => {
    const m = compileDenyList(["/a/**/secret"]);
    expect(m("/a/b/secret")).toBe("/a/**/secret");
    expect(m("/a/b/c/d/Secret.txt/z")).toBe("/a/**/secret");
    expect(m("/a/secret")).toBeUndefined();
  });

  it("folds entries too (case, NFKC, percent-encoding)", () => {
    const m = compileDenyList(["/ＡＤＭＩＮ", "/caf%C3%A9", "/Straße"]);
    expect(m("/admin/x")).toBe("/ＡＤＭＩＮ");
    expect(m(canonical("/CAFÉ"))).toBe("/caf%C3%A9");
    expect(m(canonical("/strasse"))).toBeUndefined(); // lowercase, not full case folding
    expect(m(canonical("/STRAßE"))).toBe("/Straße");
  });

  it("an empty list denies nothing", () => {
    expect(compileDenyList([])("/user/keys")).toBeUndefined();
  });

  it.each([
    ["user/keys", "must start with"],
    ["", "must start with"],
    ["/a/../b", "dot segment"],
    ["//a", "empty segment"],
    ["/a%2fb", "encoded slash"],
    ["/a;b", "path parameter"],
    ["/keys*", "wildcards must be a whole segment"],
    ["/{id", "wildcards must be a whole segment"],
    ["/a/\uFF0E\uFF0E", "separator or dot segment"],
    ["/a\uFF0Fb", "separator or dot segment"],
  ])("%j throws (%s)", (entry, message) => {
    expect(() => compileDenyList([entry])).toThrow(message);
  });
});

function canonical(raw: string): string {
  const c = canonicalizePath(raw);
  if (!c.ok) throw new Error(c.reason);
  return c.path;
}

// Mutations an agent could try on a denied path; each is a plausible alias on some upstream.
type Mutation = (path: string, r: number) => string;
const FULLWIDTH_OFFSET = 0xfee0; // "a" (0x61) -> "ａ" (0xFF41)
const atIndex = (path: string, r: number, ok: (ch: string) => boolean): number => {
  const idx = [...path].map((ch, i) => (ok(ch) ? i : -1)).filter((i) => i >= 0);
  return idx.length === 0 ? -1 : idx[r % idx.length]!;
};
const replaceAt = (path: string, i: number, f: (ch: string) => string) =>
  i < 0 ? path : [...path].map((ch, j) => (j === i ? f(ch) : ch)).join("");
const MUTATIONS: Mutation[] = [
  (p, r) => replaceAt(p, atIndex(p, r, (c) => /[a-z]/i.test(c)), (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => /[A-Za-z0-9\-._~]/.test(c)), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => /[A-Za-z0-9\-._~]/.test(c)), (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => /[A-Za-z]/.test(c)), (c) => String.fromCharCode(c.charCodeAt(0) + FULLWIDTH_OFFSET)),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => /[A-Za-z]/.test(c)), (c) => encodeURIComponent(String.fromCharCode(c.charCodeAt(0) + FULLWIDTH_OFFSET))),
  (p) => p + "/",
  (p) => p + "/x",
  (p) => p + ".json",
  (p) => p + ".",
  (p) => p + "//",
  (p) => p + "/.",
  (p) => p + ";x",
  (p) => p + "%3Bx",
  (p) => p.replace("/", "//"),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => c === "/"), () => "%2F"),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => c === "/"), () => "/./"),
  (p, r) => replaceAt(p, atIndex(p, r, (c) => c === "/"), () => "/x/../"),
];

describe("compileDenyList: properties", () => {
  it("every mutation of a denied path is rejected or still denied", () => {
    const base = fc.constantFrom("/user/keys", "/orgs/acme/members", "/orgs/x/members/y", "/admin", "/admin/z");
    const steps = fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat(1000)), { minLength: 1, maxLength: 6 });
    let stillDenied = 0;
    fc.assert(
      fc.property(base, steps, (path, ops) => {
        const mutated = ops.reduce<string>((p, [m, r]) => MUTATIONS[m]!(p, r), path);
        const c = canonicalizePath(mutated);
        if (!c.ok) return;
        stillDenied++;
        expect(deny(c.path), `${mutated} -> ${c.path}`).toBeDefined();
      }),
      { seed: 42, numRuns: 2000 },
    );
    expect(stillDenied).toBeGreaterThan(200); // not vacuous: many mutations survive canonicalisation
  });
});
