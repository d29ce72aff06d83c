import { randomBytes } from "node:crypto";

/**
 * Per-run random secrets, `SNTL_<NAME>_<32 hex>`: unguessable, so finding one anywhere an agent can
 * see proves a leak, and recognisable (SNTL_, the name) when a human reads a failing dump.
 * Keys of the result are the names as given; the NAME inside the value is upper-cased.
 */
export function createSentinels(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const tag = name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
    out[name] = `SNTL_${tag}_${randomBytes(16).toString("hex")}`;
  }
  return out;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

/** The forms a secret travels in: raw, URL-encoded, base64 and base64url (deduplicated). */
export function sentinelForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), b64(secret), b64url(secret)])];
}

/** The forms of a Basic credential: `user:pass` raw, URL-encoded, base64 (what `Basic …` carries), base64url. */
export function basicForms(user: string, pass: string): string[] {
  return sentinelForms(`${user}:${pass}`);
}

/**
 * Base64 of a secret embedded in a longer text (`user:SECRET`, a JSON body…) depends on its
 * alignment. For each of the three alignments, the characters that encode whole 3-byte groups of
 * the secret alone appear in the output whatever surrounds it, so searching for them catches a
 * base64-wrapped secret without knowing the wrapper.
 */
function embeddedBase64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms: string[] = [];
  for (let skip = 0; skip < 3; skip++) {
    const aligned = bytes.subarray(skip, bytes.length - ((bytes.length - skip) % 3));
    // Too short a core could occur by chance; sentinels give ~56 characters.
    if (aligned.length < 12) continue;
    forms.push(aligned.toString("base64"), aligned.toString("base64url"));
  }
  return forms;
}

function contains(haystack: string, lowerHaystack: string, form: string, caseless: boolean): boolean {
  return caseless ? lowerHaystack.includes(form.toLowerCase()) : haystack.includes(form);
}

/**
 * Names of the secrets found in `haystack`, in any form: raw or URL-encoded (case-insensitively, as
 * a header or hex might be re-cased), and base64/base64url whole or embedded. Bytes are read as
 * latin1 so a secret is found even next to invalid UTF-8. A hit among `extraForms` (e.g.
 * `basicForms(user, pass)`) is reported as `extraForms[i]`.
 */
export function findLeaks(
  haystack: string | Uint8Array,
  secrets: Record<string, string>,
  extraForms: readonly string[] = [],
): string[] {
  const isBytes = typeof haystack !== "string";
  const text = isBytes ? Buffer.from(haystack).toString("latin1") : haystack;
  // Needles go through the same latin1 view of their UTF-8 bytes as a byte haystack does.
  const view = (s: string): string => (isBytes ? Buffer.from(s, "utf8").toString("latin1") : s);
  const lower = text.toLowerCase();
  const leaked: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret === "") continue;
    const plain = [secret, encodeURIComponent(secret)];
    const encoded = [b64(secret), b64url(secret), ...embeddedBase64Forms(secret)];
    const hit =
      plain.some((f) => contains(text, lower, view(f), true)) ||
      encoded.some((f) => contains(text, lower, view(f), false));
    if (hit) leaked.push(name);
  }
  extraForms.forEach((form, i) => {
    if (form !== "" && text.includes(view(form))) leaked.push(`extraForms[${i}]`);
  });
  return leaked;
}

/**
 * Throws if any secret leaked into `haystack`. The message names the secret and where it was
 * searched (`context`), never its value, so the failure output is not itself a leak.
 */
export function assertNoLeaks(
  haystack: string | Uint8Array,
  secrets: Record<string, string>,
  extraForms: readonly string[] = [],
  context = "output",
): void {
  const leaked = findLeaks(haystack, secrets, extraForms);
  if (leaked.length > 0) throw new Error(`secret leak in ${context}: ${leaked.join(", ")}`);
}
