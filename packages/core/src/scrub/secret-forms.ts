/**
 * The textual forms a credential can take when an upstream echoes it back (DESIGN.md §4 invariant 1,
 * SEC-64). The results are fed to {@link compilePatterns} so the response scrubber replaces them.
 *
 * Forms produced for a secret `s` (its UTF-8 bytes `b`):
 * - raw `s`;
 * - percent-encoded as `encodeURIComponent` does it (upper-case hex), the same with lower-case hex,
 *   and `application/x-www-form-urlencoded` (`URLSearchParams`: space as `+`, `!'()~` encoded);
 * - as the inside of a JSON string (`JSON.stringify`), also with `/` escaped as `\/`;
 * - base64 and base64url of `b`, each with and without `=` padding;
 * - the three alignment-shifted base64 "cores" of `b`, for both alphabets (see {@link base64Cores}).
 *
 * Forms shorter than {@link MIN_FORM_BYTES} UTF-8 bytes are dropped. A short form such as `abc123`
 * or a 4-character base64 group is very likely to occur in ordinary response text (ids, words,
 * other base64 payloads), so scrubbing it would corrupt answers without protecting much: a secret
 * that short is guessable anyway. Every form is judged on its own, so a 6-byte secret is not
 * scrubbed raw but its 8-character padded base64 still is.
 *
 * Not covered: other encodings (hex, HTML entities, double percent-encoding, `\uXXXX` escapes of
 * non-ASCII characters, upper/lower-case variants of the secret itself, compression). Those need
 * an upstream that transforms the secret deliberately; the point here is accidental echoes.
 *
 * @module
 */

/** Forms shorter than this many UTF-8 bytes are ignored: too likely to collide with ordinary text. */
export const MIN_FORM_BYTES = 8;

const encoder = new TextEncoder();

const B64_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Base64 of `bytes` without padding; character `j` encodes bits `[6j, 6j + 6)` of the input. */
function base64NoPad(bytes: Uint8Array, alphabet: string): string {
  let out = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[v >>> 18]! + alphabet[(v >>> 12) & 63]! + alphabet[(v >>> 6) & 63]! + alphabet[v & 63]!;
  }
  const rest = n - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += alphabet[v >>> 18]! + alphabet[(v >>> 12) & 63]!;
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[v >>> 18]! + alphabet[(v >>> 12) & 63]! + alphabet[(v >>> 6) & 63]!;
  }
  return out;
}

const padded = (b64: string) => b64 + "=".repeat((4 - (b64.length % 4)) % 4);

/**
 * The base64 characters that depend only on `bytes`, for each of the three byte alignments at which
 * `bytes` can sit inside a longer base64-encoded input.
 *
 * Why: base64 maps each 3-byte group to 4 characters, character `j` carrying bits `[6j, 6j + 6)`.
 * When the secret follows `k` other bytes, what matters is `k mod 3`; the characters at the edges
 * mix the secret's bits with its neighbours' and change with them, but every character whose six
 * bits lie entirely inside the secret's bit range `[8k, 8(k + n))` is fixed by the secret alone.
 * Those are characters `ceil(8k / 6)` up to (excluding) `floor(8(k + n) / 6)` of the encoding of
 * `k` arbitrary bytes followed by the secret. So `base64(anything + secret + anything)` always
 * contains one of the three cores, which catches e.g. `Basic base64(user:SECRET)` for any user, or a
 * secret inside a base64-encoded JSON blob. A full-length encoded form can never be matched as a
 * fixed pattern there because its first and last characters depend on the neighbours. Each core is
 * about `4n/3 − 2` characters long, so for secrets of 7 bytes or more all three survive the
 * {@link MIN_FORM_BYTES} cut; shorter secrets keep only the alignments whose core is long enough.
 *
 * @returns three strings, index `k` being the core when the secret starts at byte offset `k` mod 3
 * (empty when no character is fixed by the secret alone, e.g. for a 1-byte secret at offset 1).
 */
export function base64Cores(bytes: Uint8Array, alphabet: "base64" | "base64url" = "base64"): string[] {
  const table = alphabet === "base64" ? B64_STD : B64_URL;
  const n = bytes.length;
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const shifted = new Uint8Array(k + n);
    shifted.set(bytes, k);
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + n)) / 6);
    cores.push(end > start ? base64NoPad(shifted, table).slice(start, end) : "");
  }
  return cores;
}

/** Characters `encodeURIComponent` leaves alone (RFC 3986 unreserved plus `!*'()`). */
const URI_COMPONENT_SAFE = /[A-Za-z0-9\-_.!~*'()]/;
/** Characters `URLSearchParams` leaves alone (WHATWG application/x-www-form-urlencoded). */
const FORM_SAFE = /[A-Za-z0-9\-_.*]/;

const hex2 = (b: number) => b.toString(16).padStart(2, "0");

/** Percent-encodes UTF-8 bytes; works on bytes so lone surrogates cannot throw (unlike `encodeURIComponent`). */
function percentEncode(bytes: Uint8Array, safe: RegExp, upper: boolean, spaceAsPlus: boolean): string {
  let out = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (b < 0x80 && safe.test(ch)) out += ch;
    else if (b === 0x20 && spaceAsPlus) out += "+";
    else out += "%" + (upper ? hex2(b).toUpperCase() : hex2(b));
  }
  return out;
}

/** Every form of `secret` listed in the module comment, deduplicated, each at least 8 UTF-8 bytes. */
export function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const bytes = encoder.encode(secret);
  const forms = new Set<string>();
  const add = (form: string) => {
    if (encoder.encode(form).length >= MIN_FORM_BYTES) forms.add(form);
  };

  add(secret);
  add(percentEncode(bytes, URI_COMPONENT_SAFE, true, false)); // = encodeURIComponent(secret)
  add(percentEncode(bytes, URI_COMPONENT_SAFE, false, false));
  add(percentEncode(bytes, FORM_SAFE, true, true)); // = URLSearchParams serialisation
  add(percentEncode(bytes, FORM_SAFE, false, true));
  const json = JSON.stringify(secret).slice(1, -1);
  add(json);
  add(json.replaceAll("/", "\\/"));

  for (const alphabet of ["base64", "base64url"] as const) {
    const b64 = base64NoPad(bytes, alphabet === "base64" ? B64_STD : B64_URL);
    add(b64);
    add(padded(b64));
    for (const core of base64Cores(bytes, alphabet)) add(core);
  }
  return [...forms];
}

/**
 * Forms of an HTTP Basic credential (RFC 7617): every form of `user:pass` (notably the base64 that
 * goes after `Authorization: Basic`), the URL userinfo `user:pass` with each side percent-encoded,
 * and every form of the password alone, whose base64 cores catch the credential whatever the user
 * name is and wherever it sits in a longer base64 run. The user name alone is not a secret and is
 * deliberately not scrubbed (it is often an email address the upstream legitimately returns).
 */
export function basicCredentialForms(user: string, pass: string): string[] {
  const forms = new Set<string>(secretForms(`${user}:${pass}`));
  const userinfo = (u: string, p: string, upper: boolean) =>
    `${percentEncode(encoder.encode(u), URI_COMPONENT_SAFE, upper, false)}:${percentEncode(encoder.encode(p), URI_COMPONENT_SAFE, upper, false)}`;
  for (const upper of [true, false]) {
    const form = userinfo(user, pass, upper);
    if (encoder.encode(form).length >= MIN_FORM_BYTES) forms.add(form);
  }
  for (const form of secretForms(pass)) forms.add(form);
  return [...forms];
}
