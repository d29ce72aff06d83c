import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { canonicalizePath, canonicalizePathChars, type CanonicalPathResult } from "./canonical-path.js";

const accepted = (raw: string) => {
  const r = canonicalizePath(raw);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted, got "${r.reason}"`);
  return r.path;
};
const reason = (raw: string) => {
  const r = canonicalizePath(raw);
  if (r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${r.path}`);
  return r.reason;
};

describe("canonicalizePath: accepted and normalised", () => {
  it.each([
    ["/repos/%61/b", "/repos/a/b"], // SEC-19: decoded form is what is forwarded
    ["/user/%6beys", "/user/keys"],
    ["/%75ser/keys", "/user/keys"],
    ["/user/ke%79s", "/user/keys"],
    ["/a%64min/x", "/admin/x"],
    ["/%7e%2D%5f%2e%41%7A%30", "/~-_.Az0"],
    ["/caf%c3%a9", "/caf%C3%A9"],
    ["/café", "/caf%C3%A9"],
    ["/%F0%9F%98%80", "/%F0%9F%98%80"],
    ["/😀", "/%F0%9F%98%80"],
    ["/ｕser", "/%EF%BD%95ser"],
    ["/a/", "/a/"],
    ["/", "/"],
    ["/a b", "/a%20b"],
    ['/"<>`{}|^[]', "/%22%3C%3E%60%7B%7D%7C%5E%5B%5D"],
    ["/a%20b", "/a%20b"],
    ["/%3a%40%21%2b", "/%3A%40%21%2B"], // reserved stays encoded, hex uppercased
    ["/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,="],
    ["/100%25", "/100%25"],
    ["/100%25x", "/100%25x"],
    ["/100%25%C3%A9", "/100%25%C3%A9"],
    ["/.well-known/x", "/.well-known/x"],
    ["/a/...", "/a/..."],
    ["/a/.b/c.", "/a/.b/c."],
    ["/v1/charges", "/v1/charges"],
  ])("%s -> %s", (raw, expected) => {
    expect(accepted(raw)).toBe(expected);
  });
});

describe("canonicalizePath: rejected", () => {
  it.each([
    // SEC-1 dot segments, plain and encoded
    ["/repos/x/y/../../../user/keys", "dot segment"],
    ["/repos/x/y/%2e%2e/%2E%2e/%2e%2E/user/keys", "dot segment"],
    ["/repos/x/y/.%2e/%2e./.%2E/user/keys", "dot segment"],
    ["/a/%2e%2e/admin", "dot segment"],
    ["/a/./b", "dot segment"],
    ["/user/keys/.", "dot segment"],
    ["/..", "dot segment"],
    // SEC-2 encoded separators
    ["/repos/x%2F..%2F..%2Fuser%2Fkeys", "encoded slash"],
    ["/repos/x%2fy", "encoded slash"],
    ["/a%2fb", "encoded slash"],
    ["/repos/x%5C..%5Cuser%5Ckeys", "encoded backslash"],
    ["/a%5cb", "encoded backslash"],
    // SEC-7 / SEC-16 empty segments
    ["//127.0.0.66:9/steal", "empty segment"],
    ["///127.0.0.66:9/steal", "empty segment"],
    ["//evil.example/x", "empty segment"],
    ["/a//b", "empty segment"],
    ["/user/keys//", "empty segment"],
    ["/a//", "empty segment"],
    // SEC-10 NUL and controls
    ["/user/keys%00", "control character"],
    ["/user/keys%00.json", "control character"],
    ["/repos/x/y%00/../../user/keys", "control character"],
    ["/a\u0000b", "control character"],
    ["/a\tb", "control character"],
    ["/a%0d%0aX-Injected:1", "control character"],
    ["/a%7f", "control character"],
    ["/a\u007f", "control character"],
    // double encoding
    ["/a%252f", "double encoding"],
    ["/a%252e%252e/admin", "double encoding"],
    ["/a%2541", "double encoding"],
    ["/a%25%34%31", "double encoding"],
    // delimiters a downstream decoder would honour
    ["/a%3bx=1", "encoded delimiter"],
    ["/a%3Fx=1", "encoded delimiter"],
    ["/a%23frag", "encoded delimiter"],
    ["/a;x=1", "path parameter"],
    ["/user/keys;.json", "path parameter"],
    ["/a#frag", "fragment"],
    ["/a?b", "query delimiter"],
    ["/a\\b", "backslash"],
    ["/a\\..\\user", "backslash"],
    // malformed escapes
    ["/a%zz", "invalid percent-encoding"],
    ["/a%4", "invalid percent-encoding"],
    ["/a%", "invalid percent-encoding"],
    ["/a%%41", "invalid percent-encoding"],
    ["/a%g1", "invalid percent-encoding"],
    // invalid UTF-8
    ["/%C0%AF", "invalid UTF-8"], // overlong "/"
    ["/%C0%AE%C0%AE/admin", "invalid UTF-8"], // overlong ".."
    ["/%E0%80%AF", "invalid UTF-8"],
    ["/%FF", "invalid UTF-8"],
    ["/%80", "invalid UTF-8"],
    ["/caf%C3", "invalid UTF-8"],
    ["/caf%C3x", "invalid UTF-8"],
    ["/%ED%A0%80", "invalid UTF-8"], // encoded surrogate
    ["/%F4%90%80%80", "invalid UTF-8"], // above U+10FFFF
    ["/a\uD800", "invalid UTF-8"], // lone surrogate in the string
    // not a path at all
    ["", "empty path"],
    ["a/b", "path must start with /"],
  ])("%j -> %s", (raw, expected) => {
    expect(reason(raw)).toBe(expected);
  });

  it("never echoes the input in the reason", () => {
    const secretish = "/SNTL_TOKEN_0123456789abcdef%2f";
    expect(reason(secretish)).not.toContain("SNTL");
  });
});

// Characters chosen to hit every branch: separators, dots, escapes, hex digits, delimiters,
// characters that need encoding, non-ASCII and astral characters.
const pathChar = fc.constantFrom(
  ...["%2e", "%2E", "%2f", "%5c", "%25", "%41", "%61", "%7e", "%C3", "%A9", "%c3", "%a9"],
  ...["%FF", "%00", "%3b", "%3f", "%23", "%20", "%40", "%", "%4", "%z"],
  ...["/", "/", "/", ".", ".", "a", "b", "A", "Z", "0", "9", "F", "f", "-", "_", "~"],
  ...[":", "@", "!", "$", "&", "'", "(", ")", "*", "+", ",", "=", ";", " ", "?", "#", "\\"],
  ...['"', "<", ">", "`", "{", "}", "|", "^", "[", "]", "\t", "\u007f", "\u0080"],
  ...["é", "ｕ", "😀", "\uD800"],
);
const rawPath = fc.array(pathChar, { maxLength: 24 }).map((cs) => "/" + cs.join(""));

describe("canonicalizePath: properties", () => {
  it("every accepted path is a fixpoint, URL-stable and free of dangerous syntax", () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(rawPath, (raw) => {
        const r = canonicalizePath(raw);
        if (!r.ok) return;
        acceptedCount++;
        const p = r.path;
        expect(canonicalizePath(p)).toEqual({ ok: true, path: p });
        expect(new URL(p, "http://x").pathname).toBe(p);
        expect(p.startsWith("/")).toBe(true);
        expect(p).not.toContain("//");
        expect(p).not.toMatch(/(^|\/)\.\.?(\/|$)/);
        expect(p).not.toMatch(/[;\\#?]/);
        expect(p).toMatch(/^(?:[A-Za-z0-9\-._~!$&'()*+,=:@/]|%[0-9A-F]{2})+$/);
        expect(p).not.toMatch(/%(?:2F|5C|3B|3F|23|0[0-9A-F]|1[0-9A-F]|7F)/);
        expect(p).not.toMatch(/%25[0-9A-Fa-f]{2}/);
      }),
      { seed: 42, numRuns: 2000 },
    );
    // Guard against a vacuous property: a useful share of the random paths must be accepted.
    expect(acceptedCount).toBeGreaterThan(200);
  });

  it("accepts every path built from safe segments unchanged", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9\-_~!$&'()*+,=:@]{1,8}$/);
    const safePath = fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean())
      .map(([segs, slash]) => "/" + segs.join("/") + (slash ? "/" : ""));
    fc.assert(
      fc.property(safePath, (p) => {
        expect(canonicalizePath(p)).toEqual({ ok: true, path: p });
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

/** The definition without shortcuts: character rules on every path, then segments by `split`. */
function referenceCanonicalize(raw: string): CanonicalPathResult {
  if (raw === "") return { ok: false, reason: "empty path" };
  if (!raw.startsWith("/")) return { ok: false, reason: "path must start with /" };
  const chars = canonicalizePathChars(raw);
  if (!chars.ok) return chars;
  const segments = chars.path.slice(1).split("/");
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === "." || segments[i] === "..") return { ok: false, reason: "dot segment" };
    if (segments[i] === "" && i !== segments.length - 1) return { ok: false, reason: "empty segment" };
  }
  return chars;
}

describe("canonicalizePath: the pass-through shortcut and the segment scan", () => {
  it("give exactly the character-level result, accepted or rejected, with the same reason", () => {
    const piece = fc.constantFrom("a", "Z", "0", "-", ".", "..", "_", "~", "!", "$", "&", "'", "(", "*", "+", ",", "=", ":", "@", "/", "//", "%41", "%2F", "%25", "%2541", "%C3%A9", "é", ";", "?", "\\", " ", "%", "\u0000");
    const path = fc.oneof(
      fc.array(piece, { maxLength: 10 }).map((ps) => "/" + ps.join("")),
      fc.array(piece, { maxLength: 10 }).map((ps) => ps.join("")),
      fc.string({ maxLength: 16 }),
    );
    fc.assert(
      fc.property(path, (raw) => {
        expect(canonicalizePath(raw)).toEqual(referenceCanonicalize(raw));
      }),
      { seed: 42, numRuns: 5000 },
    );
  });
});
