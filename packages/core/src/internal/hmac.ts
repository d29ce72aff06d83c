/** HMAC (RFC 2104) over `crypto.subtle`, the one implementation every runtime has. */
export type HmacHash = "SHA-1" | "SHA-256" | "SHA-512";

/** An imported HMAC key (a `CryptoKey`, named without the DOM lib so every runtime's types accept it). */
export type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Imported once per module: the key stays a non-extractable `CryptoKey` afterwards. */
export function importHmacKey(hash: HmacHash, key: Uint8Array): Promise<HmacKey> {
  return crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash }, false, ["sign"]);
}

export async function hmac(key: HmacKey, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, message as Uint8Array<ArrayBuffer>));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
