/**
 * A deterministic binary body for byte-exact pass-through tests. The first 256 bytes are 0..255 in
 * order, so every byte value (NUL, CR/LF, invalid UTF-8 lead bytes) appears whenever n >= 256; the
 * rest come from a fixed-seed xorshift so the body is not a trivially repeating pattern that a
 * buggy relay could reproduce by accident (e.g. by re-sending one chunk).
 */
export function binaryBody(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binaryBody: bad length ${n}`);
  const out = new Uint8Array(n);
  const head = Math.min(n, 256);
  for (let i = 0; i < head; i++) out[i] = i;
  let state = 0x9e3779b9;
  for (let i = head; i < n; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}
