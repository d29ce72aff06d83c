import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compilePatterns, createScrubber, createScrubStream, scrubText } from "./scrubber.js";
import { concat, dec, enc, FC, R, runChunks, split } from "./scrubber-test-kit.js";
import { basicCredentialForms, secretForms } from "./secret-forms.js";

/** Secrets as configured: printable, at least 8 characters. */
const secretArb = fc.string({ minLength: 8, maxLength: 40, unit: fc.constantFrom(..."abcdefXYZ0123456789-_.+/=:é€😀 ") });

describe("createScrubber: chunks it was given", () => {
  /** Slices as views, as a Node Buffer does: the held-back tail must not be one. */
  class ViewSlicing extends Uint8Array {
    override slice(start?: number, end?: number) {
      return this.subarray(start, end);
    }
  }

  it("a chunk the caller reuses after push does not change the held-back tail", () => {
    const secret = "s3cr3t-value-0123456789";
    const run = (continuation: string) => {
      const scrubber = createScrubber(compilePatterns([secret]));
      const first = enc.encode(`before ${secret.slice(0, 10)}`);
      const chunk = new ViewSlicing(first.length);
      chunk.set(first);
      // What push returns may be a view of the chunk: it is sent before the chunk is reused.
      const sent = dec.decode(scrubber.push(chunk));
      chunk.fill(0x78); // the caller's buffer is reused for the next read
      return sent + dec.decode(concat([scrubber.push(enc.encode(continuation)), scrubber.flush()]));
    };
    // Not a secret after all: the held-back bytes are released as they were received.
    expect(run("XYZ after")).toBe(`before ${secret.slice(0, 10)}XYZ after`);
    expect(run(`${secret.slice(10)} after`)).toBe(`before ${R} after`);
  });
});

describe("createScrubber: secrets in response bodies", () => {
  const secret = "sk_live/Tok+en=9a8b7c6d~é";

  it("replaces every form of a secret", () => {
    const forms = secretForms(secret);
    expect(forms.length).toBeGreaterThan(10);
    for (const form of forms) {
      expect(scrubText(`<${form}>`, forms)).toEqual({ text: `<${R}>`, replacements: 1 });
    }
    const body = `echo: ${forms.join(" | ")}.`;
    const { text, replacements } = scrubText(body, forms);
    expect(replacements).toBeGreaterThanOrEqual(forms.length);
    for (const form of forms) expect(text).not.toContain(form);
  });

  it("leaves no form in the output, whatever the chunking, and chunking does not change the output", () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.nat()), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (secrets, layout, cuts) => {
          const forms = secrets.flatMap(secretForms);
          // A number in the layout places a form, a string is ordinary text.
          const body = layout.map((x) => (typeof x === "number" ? forms[x % forms.length]! : x)).join("");
          const bytes = enc.encode(body);
          const compiled = compilePatterns(forms);
          const whole = runChunks(compiled, [bytes]);
          const chunked = runChunks(compiled, split(bytes, cuts));
          expect(chunked.bytes).toEqual(whole.bytes);
          expect(chunked.replacements).toBe(whole.replacements);
          const out = dec.decode(chunked.bytes);
          for (const form of forms) expect(out).not.toContain(form);
        },
      ),
      FC,
    );
  });

  it("makes no replacement in text without secrets, including near-misses split across chunks", () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        // Ordinary text mixed with proper prefixes of forms: the scrubber must hold them back and release them unchanged.
        fc.array(fc.oneof(fc.string({ maxLength: 16, unit: "binary" }), fc.tuple(fc.nat(), fc.nat())), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (secrets, layout, cuts) => {
          const forms = secrets.flatMap(secretForms);
          const body = layout
            .map((x) => {
              if (typeof x === "string") return x;
              const form = forms[x[0] % forms.length]!;
              return form.slice(0, x[1] % form.length);
            })
            .join("");
          fc.pre(!forms.some((f) => body.includes(f)));
          const bytes = enc.encode(body);
          const out = runChunks(compilePatterns(forms), split(bytes, cuts));
          expect(out.replacements).toBe(0);
          expect(out.bytes).toEqual(bytes);
        },
      ),
      FC,
    );
  });

  it("holds back at most maxPatternLength − 1 bytes, never the whole body", () => {
    const compiled = compilePatterns(["aaaaaaaaab", "aaaac"]);
    const scrubber = createScrubber(compiled);
    const chunk = enc.encode("a".repeat(1000));
    let emitted = 0;
    for (let i = 0; i < 1024; i++) {
      emitted += scrubber.push(chunk).length;
      expect(scrubber.pending).toBe(9);
    }
    emitted += scrubber.push(enc.encode("b")).length;
    expect(scrubber.pending).toBe(0);
    expect(emitted).toBe(1024 * 1000 - 9 + R.length);
    expect(scrubber.flush()).toHaveLength(0);
  });

  it("holds back exactly the still-possible prefix and releases it on flush", () => {
    const s = createScrubber(["secret-token"]);
    expect(dec.decode(s.push(enc.encode("hello secret-to")))).toBe("hello ");
    expect(s.pending).toBe(9);
    expect(dec.decode(s.push(enc.encode("x")))).toBe("secret-tox");
    expect(s.pending).toBe(0);
    expect(dec.decode(s.push(enc.encode("secr")))).toBe("");
    expect(dec.decode(s.flush())).toBe("secr");
    expect(s.replacements).toBe(0);
  });

  it("catches the Basic credential echoed from the Authorization header, at every split point", () => {
    const user = "jira-bot@example.com";
    const pass = "ATATT3xFfGF0s3cr3t-t0ken";
    const forms = basicCredentialForms(user, pass);
    const compiled = compilePatterns(forms);
    const header = `Basic ${btoa(`${user}:${pass}`)}`;
    const body = enc.encode(`{"headers":{"Authorization":${JSON.stringify(header)},"Host":"u"}}`);
    const expected = `{"headers":{"Authorization":"Basic ${R}","Host":"u"}}`;
    for (let cut = 0; cut <= body.length; cut++) {
      const out = runChunks(compiled, [body.subarray(0, cut), body.subarray(cut)]);
      expect(dec.decode(out.bytes)).toBe(expected);
    }
  });

  it("catches the password inside any longer base64 run, for any user and alignment", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), secretArb, fc.string({ maxLength: 20 }), (user, pass, after) => {
        fc.pre(enc.encode(pass).length >= 7); // below that not every alignment has a long-enough core
        const encoded = btoa(String.fromCharCode(...enc.encode(`${user}:${pass}${after}`)));
        const { text, replacements } = scrubText(`Basic ${encoded}`, basicCredentialForms("someone-else", pass));
        expect(replacements).toBeGreaterThanOrEqual(1);
        for (const form of secretForms(pass)) expect(text).not.toContain(form);
      }),
      FC,
    );
  });

  it("keeps UTF-8 multibyte characters around secrets intact, at every split point", () => {
    const secretU = "pässwörd-€-😀-tok";
    const text = `héllo €😀${secretU}😀ü and ${encodeURIComponent(secretU)}ß`;
    const expected = `héllo €😀${R}😀ü and ${R}ß`;
    const compiled = compilePatterns(secretForms(secretU));
    const bytes = enc.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const out = runChunks(compiled, [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(dec.decode(out.bytes)).toBe(expected);
    }
    const oneByOne = runChunks(compiled, [...bytes].map((b) => new Uint8Array([b])));
    expect(dec.decode(oneByOne.bytes)).toBe(expected);
  });

  it("as a Web TransformStream, catches a secret split across two chunks 50 ms apart", async () => {
    let replacements = -1;
    const stream = createScrubStream(compilePatterns(secretForms(secret)), { onEnd: (n) => (replacements = n) });
    const writer = stream.writable.getWriter();
    const reading = new Response(stream.readable).text();
    const bytes = enc.encode(`{"token":"${secret}"}`);
    const cut = 20;
    await writer.write(bytes.slice(0, cut));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer.write(bytes.slice(cut));
    await writer.close();
    expect(await reading).toBe(`{"token":"${R}"}`);
    expect(replacements).toBe(1);
  });

  it("returns the chunk itself (no copy) when nothing is held back or replaced", () => {
    const s = createScrubber(compilePatterns(["secret-value"]));
    const chunk = enc.encode("plain text without the thing\n");
    const out = s.push(chunk);
    expect(out.buffer).toBe(chunk.buffer);
    expect(out).toEqual(chunk);
  });

  it("does not expose the patterns when serialised", () => {
    const compiled = compilePatterns(["secret-value", "other-secret"]);
    expect(JSON.stringify(compiled)).toBe('{"patterns":2,"maxPatternLength":12}');
  });
});

describe("createScrubber: performance sanity", () => {
  it("scrubs 16 MiB with 20 patterns", () => {
    // Deterministic pseudo-random JSON-ish text; LCG so no time goes into generating randomness.
    let seed = 42;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const alphabet = enc.encode('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/=:,"{} \n');
    const randomString = (n: number) => {
      let s = "";
      for (let i = 0; i < n; i++) s += String.fromCharCode(alphabet[(next() >>> 8) % alphabet.length]!);
      return s;
    };
    const patterns = Array.from({ length: 20 }, () => randomString(32));
    const compiled = compilePatterns(patterns);

    const size = 16 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i++) body[i] = alphabet[(next() >>> 8) % alphabet.length]!;
    // Plant each pattern once, spread over the body.
    patterns.forEach((p, i) => body.set(enc.encode(p), Math.floor(((i + 0.5) * size) / patterns.length)));

    const scrubber = createScrubber(compiled);
    const chunkSize = 64 * 1024;
    let outBytes = 0;
    for (let at = 0; at < size; at += chunkSize) outBytes += scrubber.push(body.subarray(at, at + chunkSize)).length;
    outBytes += scrubber.flush().length;
    expect(scrubber.replacements).toBe(20);
    expect(outBytes).toBe(size - 20 * 32 + 20 * R.length);
  });
});
