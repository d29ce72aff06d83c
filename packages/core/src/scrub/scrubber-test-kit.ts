/**
 * Shared by the scrubber's test files: a byte-level reference implementation to compare against,
 * and helpers to cut a body into chunks and run a scrubber over them.
 */
import { type CompiledPatterns, createScrubber } from "./scrubber.js";

/** fast-check settings: fixed seed, so a failure reproduces. */
export const FC = { seed: 42, numRuns: 500 } as const;
export const R = "[REDACTED]";
export const enc = new TextEncoder();
export const dec = new TextDecoder();

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Obviously correct leftmost-longest replacement, O(text × patterns × length). */
export function reference(text: Uint8Array, patterns: readonly string[]): { bytes: Uint8Array; replacements: number } {
  const ps = patterns.filter((p) => p !== "").map((p) => enc.encode(p));
  const out: number[] = [];
  let replacements = 0;
  let i = 0;
  while (i < text.length) {
    let best = 0;
    for (const p of ps) {
      if (p.length > best && i + p.length <= text.length && p.every((b, j) => text[i + j] === b)) best = p.length;
    }
    if (best > 0) {
      out.push(...enc.encode(R));
      replacements++;
      i += best;
    } else out.push(text[i++]!);
  }
  return { bytes: new Uint8Array(out), replacements };
}

/** Splits at the given cut points (taken modulo the length, deduplicated). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    chunks.push(bytes.slice(from, c));
    from = c;
  }
  return chunks;
}

/** Runs a scrubber over chunks, checking the hold-back bound (maxPatternLength − 1) after every push. */
export function runChunks(patterns: CompiledPatterns, chunks: readonly Uint8Array[]) {
  const scrubber = createScrubber(patterns);
  const out: Uint8Array[] = [];
  const bound = Math.max(0, patterns.maxPatternLength - 1);
  for (const chunk of chunks) {
    out.push(scrubber.push(chunk));
    // A plain check: `expect` per push would dominate the property tests' run time.
    if (scrubber.pending > bound) throw new Error(`held back ${scrubber.pending} bytes, bound ${bound}`);
  }
  out.push(scrubber.flush());
  if (scrubber.pending !== 0) throw new Error("flush left bytes pending");
  return { bytes: concat(out), replacements: scrubber.replacements };
}
