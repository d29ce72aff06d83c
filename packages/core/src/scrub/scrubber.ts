/**
 * Streaming secret scrubber (DESIGN.md §1 "The hot path", §4 invariant 1, SEC-64).
 *
 * Bytes in, bytes out: every occurrence of any pattern (compared as UTF-8 bytes) is replaced, also
 * when it is split across any number of chunks. The output for a body is the same however it is
 * chunked. Overlapping or nested occurrences are resolved leftmost-longest: scanning left to right,
 * at each position the longest pattern starting there is replaced and scanning resumes after it.
 *
 * Matching is an Aho–Corasick automaton over bytes, compiled once per pattern set
 * ({@link compilePatterns}) into a dense transition table over byte classes, so a scrubber per
 * response ({@link createScrubber}) costs two small allocations and the common no-match case is one
 * table lookup per byte.
 *
 * Memory is bounded: between pushes the scrubber holds back only the longest suffix of what it has
 * seen that is still a prefix of some pattern, at most `maxPatternLength − 1` bytes ({@link
 * Scrubber.pending}); `flush()` releases it. It never buffers the whole body.
 *
 * Pure and Web-standard: adapters wrap it in their own stream type ({@link createScrubStream} is the
 * Web `TransformStream` wrapping).
 *
 * @module
 */

import { concatBytes } from "../internal/bytes.js";
import { CompiledPatterns, compilePatterns } from "./pattern-automaton.js";
import { CandidateStarts } from "./window-candidates.js";

export { CompiledPatterns, compilePatterns };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * Replace each match by as many `*` bytes as it had: the body keeps its length, so a streamed
 * answer keeps its upstream `Content-Length` (and HEAD/Range semantics) while being scrubbed.
 */
export const SAME_LENGTH = Symbol("same-length");
const MASK_BYTE = 0x2a;

/** Shared by every scrubber: `#scan` never yields, and resets it for its chunk. */
const candidateStarts = new CandidateStarts();

/** The default replacement text. */
export const DEFAULT_REPLACEMENT = "[REDACTED]";

/** Incremental scrubber for one response body. Not reentrant; one per stream. */
export interface Scrubber {
  /**
   * Scrubs the next chunk. Returns the bytes that are now decided (possibly empty); the result may
   * be a view of `chunk`, so do not modify `chunk` afterwards. Bytes that may still begin a pattern
   * are held back and returned by a later push or by {@link flush}.
   */
  push(chunk: Uint8Array): Uint8Array;
  /**
   * Ends the body: returns the held-back tail, scrubbed (a pattern cut off by the end of the body is
   * not a match and is released as is). The scrubber is then ready for a new body; `replacements`
   * keeps counting.
   */
  flush(): Uint8Array;
  /** Number of occurrences replaced so far. */
  readonly replacements: number;
  /** Bytes currently held back; never more than `maxPatternLength − 1`. */
  readonly pending: number;
}

type PatternInput = readonly string[] | CompiledPatterns;

const compiled = (patterns: PatternInput): CompiledPatterns =>
  patterns instanceof CompiledPatterns ? patterns : compilePatterns(patterns as readonly string[]);

/**
 * A scrubber for one response body. Pass a {@link CompiledPatterns} (from {@link compilePatterns})
 * to share the automaton between responses; a string array is compiled on every call.
 */
const DEFAULT_REPLACEMENT_BYTES = encoder.encode(DEFAULT_REPLACEMENT);

export function createScrubber(patterns: PatternInput, replacement: string | typeof SAME_LENGTH = DEFAULT_REPLACEMENT): Scrubber {
  const bytes = replacement === SAME_LENGTH ? undefined : replacement === DEFAULT_REPLACEMENT ? DEFAULT_REPLACEMENT_BYTES : encoder.encode(replacement);
  return new StreamScrubber(compiled(patterns), bytes);
}

/** Scrubs a whole text at once. */
export function scrubText(
  text: string,
  patterns: PatternInput,
  replacement: string = DEFAULT_REPLACEMENT,
): { text: string; replacements: number } {
  const scrubber = createScrubber(patterns, replacement);
  const head = scrubber.push(encoder.encode(text));
  const rest = scrubber.flush();
  const bytes = rest.length === 0 ? head : concatBytes([head, rest], head.length + rest.length);
  return { text: decoder.decode(bytes), replacements: scrubber.replacements };
}

/**
 * The scrubber as a Web `TransformStream` of bytes (Workers, the `fetch` entry, tests). `onEnd`
 * receives the replacement count when the body ends, e.g. for the request log.
 */
export function createScrubStream(
  patterns: PatternInput,
  options: { replacement?: string; onEnd?: (replacements: number) => void } = {},
): TransformStream<Uint8Array, Uint8Array> {
  const scrubber = createScrubber(patterns, options.replacement ?? DEFAULT_REPLACEMENT);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const out = scrubber.push(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      const out = scrubber.flush();
      if (out.length > 0) controller.enqueue(out);
      options.onEnd?.(scrubber.replacements);
    },
  });
}

/**
 * Leftmost-longest streaming matcher.
 *
 * Positions are counted in the virtual text `held ++ chunk` of the current call (`held` first).
 * `held` always starts at the first undecided byte, and `state` is the automaton state after
 * scanning `held` from the root, i.e. `held` is exactly the string of `state` (the longest suffix of
 * the input that is still a pattern prefix). A candidate match `[candStart, candEnd]` is the
 * leftmost (then longest) match seen since the last decided byte; it is committed once no future
 * match can start at or before `candStart`: future matches start at or after the frontier
 * `p + 1 − depth(state)`, and when the frontier equals `candStart` only a longer pattern extending
 * the state could still win. After a commit the scan restarts from the root just after the
 * replaced bytes, which rediscovers matches that were skipped because they started after the
 * candidate.
 */
class StreamScrubber implements Scrubber {
  #p: CompiledPatterns;
  /** Undefined in mask mode: each match becomes as many `*` bytes as it had. */
  #replacement: Uint8Array | undefined;
  #held: Uint8Array = EMPTY;
  #row = 0; // automaton state, as a row offset
  #candStart = -1; // relative to #held; -1 when no candidate
  #candEnd = -1; // inclusive
  #replacements = 0;

  constructor(patterns: CompiledPatterns, replacement: Uint8Array | undefined) {
    this.#p = patterns;
    this.#replacement = replacement;
  }

  get replacements(): number {
    return this.#replacements;
  }

  get pending(): number {
    return this.#held.length;
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#p.size === 0) return chunk;
    // The scan reads plain Uint8Arrays only: a Node Buffer is a subclass with a map of its own,
    // which makes the hot loop's byte reads polymorphic when both kinds come through (flush
    // passes a plain one). A plain view also makes the held-back tail a real copy: Buffer#slice
    // is a view, which would tie what is held to a chunk the caller may reuse.
    return this.#scan(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), false);
  }

  flush(): Uint8Array {
    const out = this.#p.size === 0 ? EMPTY : this.#scan(EMPTY, true);
    this.#held = EMPTY;
    this.#row = 0;
    this.#candStart = -1;
    this.#candEnd = -1;
    return out;
  }

  #scan(chunk: Uint8Array, final: boolean): Uint8Array {
    const { classOf, classes, delta, firstMatchRow, depth, matchLength, extendable, window, shift } = this.#p;
    const held = this.#held;
    const T = held.length;
    const N = T + chunk.length;
    // Output pieces: [start, end) ranges of the virtual text, or -1 for the replacement.
    const pieces: number[] = [];
    let decided = 0;
    let row = this.#row;
    let candStart = this.#candStart;
    let candEnd = this.#candEnd;
    let p = T; // next position to scan
    candidateStarts.reset();

    for (;;) {
      let ripe = false;
      while (p < N) {
        if (candStart < 0 && p >= T) {
          // Hot loop: no candidate, scanning the new chunk. At the root, a jump to the next start
          // that may begin a pattern; elsewhere one lookup and one compare per byte.
          let q = p - T;
          const end = chunk.length;
          const lastStart = end - window; // the last start whose whole window is in the chunk
          while (q < end) {
            if (row === 0 && window !== 0 && q <= lastStart) {
              // At the root nothing is pending, so only matches starting at q or later remain:
              // skip to the next start whose window may begin one (every pattern is at least
              // `window` long, so a start whose window shows no pattern prefix starts no match).
              // The automaton resumes from the root there, which is exact for the same reason.
              // Past the last start whose window fits, the automaton steps the chunk's tail.
              q = candidateStarts.from(chunk, window, shift, q);
            }
            row = delta[row + classOf[chunk[q]!]!]!;
            if (row >= firstMatchRow) break;
            q++;
          }
          if (q === end) {
            p = N;
            break;
          }
          p = T + q;
        } else {
          const b = p < T ? held[p]! : chunk[p - T]!;
          row = delta[row + classOf[b]!]!;
        }
        // `row` is the state after byte `p`.
        const id = row / classes;
        const length = matchLength[id]!;
        if (length !== 0) {
          const start = p - length + 1;
          if (candStart < 0 || start <= candStart) {
            candStart = start;
            candEnd = p;
          }
        }
        if (candStart >= 0) {
          const frontier = p + 1 - depth[id]!;
          if (frontier > candStart || (frontier === candStart && extendable[id] === 0)) {
            ripe = true;
            break;
          }
        }
        p++;
      }
      // Commit the candidate when it is ripe, or at the end of the body, where nothing can extend it.
      if (!ripe && !(final && candStart >= 0)) break;
      if (candStart > decided) pieces.push(decided, candStart);
      pieces.push(-1, candEnd - candStart + 1);
      this.#replacements++;
      decided = candEnd + 1;
      p = decided;
      candStart = -1;
      row = 0;
    }

    // Everything before the frontier is decided; keep the rest (the current state's string).
    const keepFrom = final ? N : N - depth[row / classes]!;
    if (keepFrom > decided) pieces.push(decided, keepFrom);
    this.#held = keepFrom === N ? EMPTY : this.#slice(held, chunk, keepFrom, N);
    this.#row = row;
    this.#candStart = candStart < 0 ? -1 : candStart - keepFrom;
    this.#candEnd = candStart < 0 ? -1 : candEnd - keepFrom;

    return this.#assemble(pieces, held, chunk);
  }

  /** A copy of virtual range [from, to) of `held ++ chunk`. */
  #slice(held: Uint8Array, chunk: Uint8Array, from: number, to: number): Uint8Array {
    const T = held.length;
    if (from >= T) return chunk.slice(from - T, to - T);
    if (to <= T) return held.slice(from, to);
    const out = new Uint8Array(to - from);
    out.set(held.subarray(from), 0);
    out.set(chunk.subarray(0, to - T), T - from);
    return out;
  }

  #assemble(pieces: number[], held: Uint8Array, chunk: Uint8Array): Uint8Array {
    const T = held.length;
    if (pieces.length === 0) return EMPTY;
    // Common case: one range inside the chunk, returned without copying.
    if (pieces.length === 2 && pieces[0]! >= T) return chunk.subarray(pieces[0]! - T, pieces[1]! - T);
    let length = 0;
    for (let i = 0; i < pieces.length; i += 2) {
      length += pieces[i] === -1 ? (this.#replacement ? this.#replacement.length : pieces[i + 1]!) : pieces[i + 1]! - pieces[i]!;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < pieces.length; i += 2) {
      const from = pieces[i]!;
      const to = pieces[i + 1]!;
      if (from === -1) {
        if (this.#replacement) {
          out.set(this.#replacement, at);
          at += this.#replacement.length;
        } else {
          out.fill(MASK_BYTE, at, at + to);
          at += to;
        }
        continue;
      }
      if (from < T) out.set(held.subarray(from, Math.min(to, T)), at);
      if (to > T) out.set(chunk.subarray(Math.max(from, T) - T, to - T), at + Math.max(0, T - from));
      at += to - from;
    }
    return out;
  }
}
