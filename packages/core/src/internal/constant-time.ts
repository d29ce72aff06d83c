/**
 * @module internal/constant-time
 * Comparison of secrets such as a host's pre-shared key (`X-Outpost-Auth`, DESIGN §2.2). An
 * ordinary `===` returns at the first differing character, so an agent timing many guesses can
 * recover the key one character at a time (a timing side channel).
 */

const encoder = new TextEncoder();

/**
 * True when `a` and `b` have the same UTF-8 bytes. Every byte up to the longer length is
 * visited and folded into one accumulator, so the time taken does not depend on where the first
 * difference is, and a length mismatch is not answered early either. The time still grows with
 * the longer input, so at most the key's length can be learned, never its content. JavaScript
 * engines give no hard guarantee; this removes the data-dependent branches that make the leak
 * easy to measure.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  // Zero-padded copies keep the loop free of bounds checks that differ per input.
  const x = new Uint8Array(length);
  const y = new Uint8Array(length);
  x.set(left);
  y.set(right);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}
