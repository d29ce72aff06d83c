import { base64Encode } from "../../internal/bytes.js";

/** The forms a secret can leak in (invariant 1): raw, URL-encoded, base64. */
export function leakForms(secret: string): string[] {
  const base64 = base64Encode(new TextEncoder().encode(secret));
  return [...new Set([secret, encodeURIComponent(secret), base64, base64.replace(/=+$/, "")])];
}
