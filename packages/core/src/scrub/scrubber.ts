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

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/**
 * Replace each match by as many `*` bytes as it had: the body keeps its length, so a streamed
 * answer keeps its upstream `Content-Length` (and HEAD/Range semantics) while being scrubbed.
 */
export const SAME_LENGTH = Symbol("same-length");
const MASK_BYTE = 0x2a;

/** The default replacement text. */
export const DEFAULT_REPLACEMENT = "[REDACTED]";

/**
 * A pattern set compiled into an Aho–Corasick DFA. Build it once per provider (secrets change
 * rarely) and share it between responses; it is immutable. It keeps no pattern strings, and
 * serialises to a summary only, so logging it by mistake does not leak the secrets.
 */
export class CompiledPatterns {
  /** Number of distinct, non-empty patterns. */
  readonly size: number;
  /** Length in bytes of the longest pattern (0 for an empty set). */
  readonly maxPatternLength: number;
  /** @internal byte → byte class; bytes that occur in no pattern share class 0. */
  readonly classOf: Uint8Array;
  /** @internal number of byte classes (row width of {@link delta}). */
  readonly classes: number;
  /**
   * @internal DFA transitions: `delta[row + classOf[byte]]` is the next state's row, where a state's
   * row is `id * classes`. States are numbered so that exactly those with a match (a pattern ending
   * there) have `row >= firstMatchRow`: the hot loop needs one comparison per byte.
   */
  readonly delta: Uint32Array;
  /** @internal first row of a state at which some pattern ends. */
  readonly firstMatchRow: number;
  /** @internal per state id: length of the string it stands for (longest suffix that is a pattern prefix). */
  readonly depth: Uint32Array;
  /** @internal per state id: length of the longest pattern ending here, 0 for none. */
  readonly matchLength: Uint32Array;
  /** @internal per state id: 1 when some pattern extends this state's string (trie children). */
  readonly extendable: Uint8Array;

  /** @internal use {@link compilePatterns}. */
  constructor(fields: {
    size: number;
    maxPatternLength: number;
    classOf: Uint8Array;
    classes: number;
    delta: Uint32Array;
    firstMatchRow: number;
    depth: Uint32Array;
    matchLength: Uint32Array;
    extendable: Uint8Array;
  }) {
    this.size = fields.size;
    this.maxPatternLength = fields.maxPatternLength;
    this.classOf = fields.classOf;
    this.classes = fields.classes;
    this.delta = fields.delta;
    this.firstMatchRow = fields.firstMatchRow;
    this.depth = fields.depth;
    this.matchLength = fields.matchLength;
    this.extendable = fields.extendable;
  }

  toJSON(): { patterns: number; maxPatternLength: number } {
    return { patterns: this.size, maxPatternLength: this.maxPatternLength };
  }
}

/**
 * Compiles patterns (UTF-8 encoded; empty strings and duplicates dropped) into an Aho–Corasick DFA.
 * Cost is O(total pattern bytes × distinct pattern bytes) time and 4 bytes per table cell.
 */
export function compilePatterns(patterns: readonly string[]): CompiledPatterns {
  const unique = [...new Set(patterns)].filter((p) => p !== "").map((p) => encoder.encode(p));

  // Byte classes: each byte that occurs in a pattern gets its own class, every other byte class 0.
  const classOf = new Uint8Array(256);
  let classes = 1;
  let maxPatternLength = 0;
  let totalBytes = 0;
  const seen = new Uint8Array(256);
  for (const p of unique) {
    maxPatternLength = Math.max(maxPatternLength, p.length);
    totalBytes += p.length;
    for (const b of p) seen[b] = 1;
  }
  // 256 distinct pattern bytes plus the "other" class would not fit a Uint8Array; then no byte is
  // "other", so class 0 can be a real byte. (UTF-8 from strings never uses C0, C1, F5–FF, so this
  // cannot happen today; it keeps the table correct if byte patterns are ever accepted.)
  const distinct = seen.reduce((a, b) => a + b, 0);
  if (distinct === 256) classes = 0;
  for (let b = 0; b < 256; b++) if (seen[b]) classOf[b] = classes++;

  // Trie, states by id in creation order; root is 0.
  const maxStates = totalBytes + 1;
  const goto = new Int32Array(maxStates * classes).fill(-1);
  const depth = new Uint32Array(maxStates);
  const ownLength = new Uint32Array(maxStates);
  const extendable = new Uint8Array(maxStates);
  let states = 1;
  for (const p of unique) {
    let s = 0;
    for (const b of p) {
      const slot = s * classes + classOf[b]!;
      let next = goto[slot]!;
      if (next < 0) {
        next = states++;
        goto[slot] = next;
        depth[next] = depth[s]! + 1;
        extendable[s] = 1;
      }
      s = next;
    }
    ownLength[s] = p.length;
  }

  // Breadth-first: failure links, full DFA transitions and the longest match ending at each state.
  const dfa = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const matchLength = new Uint32Array(states);
  const queue = new Int32Array(states);
  let head = 0;
  let tail = 0;
  for (let c = 0; c < classes; c++) {
    const next = goto[c]!;
    if (next < 0) dfa[c] = 0;
    else {
      dfa[c] = next;
      fail[next] = 0;
      queue[tail++] = next;
    }
  }
  while (head < tail) {
    const s = queue[head++]!;
    // A state's own pattern is the longest ending there; otherwise the longest pattern that is a
    // proper suffix of it, which is a suffix of (or equal to) its failure state's string.
    matchLength[s] = ownLength[s] || matchLength[fail[s]!]!;
    const f = fail[s]!;
    for (let c = 0; c < classes; c++) {
      const next = goto[s * classes + c]!;
      if (next < 0) dfa[s * classes + c] = dfa[f * classes + c]!;
      else {
        dfa[s * classes + c] = next;
        fail[next] = dfa[f * classes + c]!;
        queue[tail++] = next;
      }
    }
  }

  // Renumber: states without a match first (root stays 0), states with one last.
  const order = new Int32Array(states); // old id → new id
  let nextId = 0;
  for (let s = 0; s < states; s++) if (matchLength[s] === 0) order[s] = nextId++;
  const firstMatchId = nextId;
  for (let s = 0; s < states; s++) if (matchLength[s] !== 0) order[s] = nextId++;

  const delta = new Uint32Array(states * classes);
  const depthById = new Uint32Array(states);
  const matchById = new Uint32Array(states);
  const extendableById = new Uint8Array(states);
  for (let s = 0; s < states; s++) {
    const id = order[s]!;
    depthById[id] = depth[s]!;
    matchById[id] = matchLength[s]!;
    extendableById[id] = extendable[s]!;
    for (let c = 0; c < classes; c++) delta[id * classes + c] = order[dfa[s * classes + c]!]! * classes;
  }

  return new CompiledPatterns({
    size: unique.length,
    maxPatternLength,
    classOf,
    classes,
    delta,
    firstMatchRow: firstMatchId * classes,
    depth: depthById,
    matchLength: matchById,
    extendable: extendableById,
  });
}

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
export function createScrubber(patterns: PatternInput, replacement: string | typeof SAME_LENGTH = DEFAULT_REPLACEMENT): Scrubber {
  return new StreamScrubber(compiled(patterns), replacement === SAME_LENGTH ? undefined : encoder.encode(replacement));
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
  const bytes = rest.length === 0 ? head : concat([head, rest], head.length + rest.length);
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

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
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
    return this.#scan(chunk, false);
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
    const { classOf, classes, delta, firstMatchRow, depth, matchLength, extendable } = this.#p;
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

    for (;;) {
      while (p < N) {
        if (candStart < 0 && p >= T) {
          // Hot loop: no candidate, scanning the new chunk. One lookup and one compare per byte.
          let q = p - T;
          const end = chunk.length;
          while (q < end) {
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
            if (candStart > decided) pieces.push(decided, candStart);
            pieces.push(-1, candEnd - candStart + 1);
            this.#replacements++;
            decided = candEnd + 1;
            p = decided;
            candStart = -1;
            row = 0;
            continue;
          }
        }
        p++;
      }
      if (final && candStart >= 0) {
        // End of body: nothing can extend the candidate any more.
        if (candStart > decided) pieces.push(decided, candStart);
        pieces.push(-1, candEnd - candStart + 1);
        this.#replacements++;
        decided = candEnd + 1;
        p = decided;
        candStart = -1;
        row = 0;
        continue;
      }
      break;
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
