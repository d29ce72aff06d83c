/**
 * Canonical request path (DESIGN §4.1).
 *
 * The result is matched against deny/allow rules AND forwarded byte-for-byte, so there is never a
 * second, differently-normalised copy of the path (invariant 3: decide on what you forward). Every
 * accepted path is a fixpoint of both this function and WHATWG URL path serialisation, so building
 * the upstream URL with the URL API cannot change what policy saw.
 */

export type CanonicalPathResult = { ok: true; path: string } | { ok: false; reason: string };

const utf8Encoder = new TextEncoder();
// fatal: reject instead of substituting U+FFFD, which would hide overlongs and stray bytes.
const utf8Validator = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Reasons are fixed phrases: they end up in error messages, and echoing agent input there would
// turn the proxy into a reflector.
const fail = (reason: string): CanonicalPathResult => ({ ok: false, reason });

function isUnreserved(c: number): boolean {
  // RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~"
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

// RFC 3986 §3.3 pchar (minus ";", refused below) plus "/": these pass unencoded, and WHATWG URL
// leaves them untouched, which keeps the fixpoint property.
const RAW_SAFE = "!$&'()*+,=:@/";

function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Byte encoded as "%XX" at `raw[i]`, or -1 when the escape is malformed (RFC 3986 §2.1). */
function decodeEscape(raw: string, i: number): number {
  const hi = hexValue(raw.charCodeAt(i + 1));
  const lo = hexValue(raw.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// RFC 3986 §6.2.2.1: uppercase hex is the normal form.
const pct = (byte: number): string => "%" + byte.toString(16).toUpperCase().padStart(2, "0");

/** Bytes that must never arrive encoded: a downstream decoder would turn them into syntax. */
function encodedByteProblem(byte: number): string | undefined {
  if (isControl(byte)) return "control character";
  if (byte === 0x2f) return "encoded slash";
  if (byte === 0x5c) return "encoded backslash";
  // Servers that decode before routing would see path parameters, a query or a fragment.
  if (byte === 0x3b || byte === 0x3f || byte === 0x23) return "encoded delimiter";
  return undefined;
}

function rawAsciiProblem(c: number): string | undefined {
  if (isControl(c)) return "control character";
  // WHATWG treats "\" as "/" in http(s) URLs, so it would split segments after policy ran.
  if (c === 0x5c) return "backslash";
  // Matrix parameters: Tomcat/Spring strip them, so "/user/keys;x" routes like "/user/keys".
  if (c === 0x3b) return "path parameter";
  if (c === 0x23) return "fragment";
  if (c === 0x3f) return "query delimiter";
  return undefined;
}

/**
 * Character-level canonicalisation without segment rules, shared with pattern compilation so
 * operator-written literals and request paths normalise identically.
 */
export function canonicalizePathChars(raw: string): CanonicalPathResult {
  let out = "";
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const byte = decodeEscape(raw, i);
      if (byte < 0) return fail("invalid percent-encoding");
      const problem = encodedByteProblem(byte);
      if (problem) return fail(problem);
      // Decode once, unreserved only (RFC 3986 §6.2.2.2); everything else keeps its meaning.
      out += isUnreserved(byte) ? String.fromCharCode(byte) : pct(byte);
      bytes.push(byte);
      i += 3;
    } else if (c < 0x80) {
      const problem = rawAsciiProblem(c);
      if (problem) return fail(problem);
      out += isUnreserved(c) || RAW_SAFE.includes(raw[i]!) ? raw[i]! : pct(c);
      bytes.push(c);
      i += 1;
    } else {
      const cp = raw.codePointAt(i)!;
      // A lone surrogate has no UTF-8 form; TextEncoder would silently swap in U+FFFD.
      if (cp >= 0xd800 && cp <= 0xdfff) return fail("invalid UTF-8");
      for (const b of utf8Encoder.encode(String.fromCodePoint(cp))) {
        out += pct(b);
        bytes.push(b);
      }
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return finalChecks(out, bytes);
}

function finalChecks(out: string, bytes: number[]): CanonicalPathResult {
  try {
    utf8Validator.decode(new Uint8Array(bytes));
  } catch {
    // Overlongs like %C0%AF ("/") are the classic way to smuggle a separator past a filter.
    return fail("invalid UTF-8");
  }
  // Checked on the output: "%25%34%31" becomes "%2541" after the unreserved decode, which a
  // server decoding twice reads as "A".
  if (/%25[0-9A-Fa-f]{2}/.test(out)) return fail("double encoding");
  return { ok: true, path: out };
}

/** Segment rules (RFC 3986 §3.3, §5.2.4): no dot segments and no empty segments. */
function segmentProblem(path: string): string | undefined {
  // One scan over the "/"-separated segments after the leading "/", without splitting.
  for (let start = 1, i = 1; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 0x2f) continue;
    const length = i - start;
    // Resolving ".." after policy ran would move the request out of what was checked.
    if (path.charCodeAt(start) === 0x2e && (length === 1 || (length === 2 && path.charCodeAt(start + 1) === 0x2e))) return "dot segment";
    // "//x" would be read as an authority by URL resolution; merged slashes differ per server.
    // Only a single trailing "/" (the last segment) may be empty.
    if (length === 0 && i !== path.length) return "empty segment";
    start = i + 1;
  }
  return undefined;
}

/**
 * Printable ASCII that canonicalisation keeps byte for byte: unreserved characters and RAW_SAFE,
 * no "%". A path made only of these is its own canonical form (no escape to decode or check, no
 * UTF-8 to validate), which is nearly every path an API client sends.
 */
const PASS_THROUGH = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;

export function canonicalizePath(rawPath: string): CanonicalPathResult {
  if (rawPath === "") return fail("empty path");
  if (!rawPath.startsWith("/")) return fail("path must start with /");
  const chars = PASS_THROUGH.test(rawPath) ? { ok: true as const, path: rawPath } : canonicalizePathChars(rawPath);
  if (!chars.ok) return chars;
  const problem = segmentProblem(chars.path);
  return problem ? fail(problem) : chars;
}
