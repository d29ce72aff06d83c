import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { base64Cores, basicCredentialForms, MIN_FORM_BYTES, secretForms } from "./secret-forms.js";

const FC = { seed: 42, numRuns: 500 } as const;
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Independent encoders (platform built-ins) to check the hand-written ones against. */
const btoaBytes = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const toUrl = (b64: string) => b64.replaceAll("+", "-").replaceAll("/", "_");
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

describe("secretForms", () => {
  it.each([
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "sk_live/Tok+en=with spaces&more",
    "pässwörd-€-😀-long-enough",
    "a!b'c(d)e*f~g", // characters encodeURIComponent keeps but forms encode
    "quote\"back\\slash/slash",
  ])("contains raw, URL-encoded and base64 forms of %j", (secret) => {
    const forms = secretForms(secret);
    const b64 = btoaBytes(utf8(secret));
    const expected = [
      secret,
      encodeURIComponent(secret),
      lowerHex(encodeURIComponent(secret)),
      new URLSearchParams({ v: secret }).toString().slice(2),
      lowerHex(new URLSearchParams({ v: secret }).toString().slice(2)),
      JSON.stringify(secret).slice(1, -1),
      b64,
      b64.replace(/=+$/, ""),
      toUrl(b64),
      toUrl(b64).replace(/=+$/, ""),
    ];
    for (const form of expected) expect(forms).toContain(form);
    expect(new Set(forms).size).toBe(forms.length);
  });

  it("drops forms shorter than 8 bytes and returns nothing for an empty secret", () => {
    expect(secretForms("")).toEqual([]);
    const forms = secretForms("short"); // 5 bytes: raw dropped, "c2hvcnQ=" (8) kept, "c2hvcnQ" (7) dropped
    expect(forms).not.toContain("short");
    expect(forms).toContain("c2hvcnQ=");
    expect(forms).not.toContain("c2hvcnQ");
    expect(secretForms("abcdefg")).not.toContain("abcdefg");
    expect(secretForms("abcdefgh")).toContain("abcdefgh");
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: "binary" }), (secret) => {
        for (const form of secretForms(secret)) expect(utf8(form).length).toBeGreaterThanOrEqual(MIN_FORM_BYTES);
      }),
      FC,
    );
  });

  it("does not throw on lone surrogates (encoded as U+FFFD like TextEncoder does)", () => {
    expect(() => secretForms("abc\uD800defghijk")).not.toThrow();
    expect(secretForms("abc\uD800defghijk")).toContain("abc%EF%BF%BDdefghijk");
  });
});

describe("base64Cores", () => {
  it("a core of the secret occurs in base64(prefix + secret + suffix) for every alignment", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 10 }),
        fc.uint8Array({ maxLength: 10 }),
        (secret, prefix, suffix) => {
          const whole = new Uint8Array([...prefix, ...secret, ...suffix]);
          const std = base64Cores(secret, "base64");
          const url = base64Cores(secret, "base64url");
          const k = prefix.length % 3;
          const encoded = btoaBytes(whole);
          expect(std).toHaveLength(3);
          expect(encoded).toContain(std[k]!);
          expect(toUrl(encoded)).toContain(url[k]!);
          // From 3 bytes on, every alignment has a non-empty core.
          if (secret.length >= 3) expect(std[k]!.length).toBeGreaterThan(0);
        },
      ),
      FC,
    );
  });

  it("cores are the characters fixed by the secret alone (maximal)", () => {
    // "abc" at offset 0 is the group "YWJj"; at offset 1 only two characters are fixed by it.
    expect(base64Cores(utf8("abc"))).toEqual(["YWJj", "FiY", "hYm"]);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 2 }), (secret, k) => {
        const core = base64Cores(secret)[k]!;
        if (core === "") return;
        // Changing the neighbours changes the characters just outside the core.
        const a = btoaBytes(new Uint8Array([...new Array<number>(k).fill(0), ...secret, 0, 0, 0]));
        const b = btoaBytes(new Uint8Array([...new Array<number>(k).fill(255), ...secret, 255, 255, 255]));
        const start = Math.ceil((8 * k) / 6);
        expect(a.slice(start, start + core.length)).toBe(core);
        expect(b.slice(start, start + core.length)).toBe(core);
        if (k > 0) expect(a[start - 1]).not.toBe(b[start - 1]);
      }),
      FC,
    );
  });
});

describe("basicCredentialForms", () => {
  it("contains base64(user:pass), the userinfo form and the password's forms, not the user alone", () => {
    const forms = basicCredentialForms("bot@example.com", "tok/en+secret");
    expect(forms).toContain(btoa("bot@example.com:tok/en+secret"));
    expect(forms).toContain(btoa("bot@example.com:tok/en+secret").replace(/=+$/, ""));
    expect(forms).toContain("bot%40example.com:tok%2Fen%2Bsecret");
    expect(forms).toContain("bot%40example.com:tok%2fen%2bsecret");
    for (const form of secretForms("tok/en+secret")) expect(forms).toContain(form);
    expect(forms).not.toContain("bot@example.com");
  });
});
