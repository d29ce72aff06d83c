/**
 * The matching half of the scrubber: a pattern set compiled once into an Aho–Corasick automaton
 * over bytes (a dense transition table over byte classes), shared by every response.
 *
 * @module
 */

const encoder = new TextEncoder();

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
  /**
   * @internal Wu–Manber window: the shortest pattern length (at most 255), or 0 when patterns are
   * too short for skipping to pay. Every pattern starts with `window` bytes that {@link shift} knows.
   */
  readonly window: number;
  /**
   * @internal Wu–Manber shift table over 2-byte blocks (index `b1 << 8 | b2`): how far the end of
   * a `window`-byte text window may move right before that block could sit in the first `window`
   * bytes of some pattern. 0 means the window may begin a pattern; the automaton then decides.
   */
  readonly shift: Uint8Array;

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
    window: number;
    shift: Uint8Array;
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
    this.window = fields.window;
    this.shift = fields.shift;
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

  const { window, shift } = skipTable(unique);
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
    window,
    shift,
  });
}

/** Below this shortest-pattern length, skipping saves less than the table lookups cost. */
const MIN_SKIP_WINDOW = 6;
const NO_SKIP = new Uint8Array(0);

/**
 * Wu–Manber (1994) with 2-byte blocks over the first `window` bytes of every pattern. In text
 * without secrets (nearly every answer) the scan moves about `window − 1` bytes per lookup.
 */
function skipTable(patterns: readonly Uint8Array[]): { window: number; shift: Uint8Array } {
  let window = 255;
  for (const p of patterns) window = Math.min(window, p.length);
  if (patterns.length === 0 || window < MIN_SKIP_WINDOW) return { window: 0, shift: NO_SKIP };
  const shift = new Uint8Array(65536).fill(window - 1);
  for (const p of patterns) {
    for (let j = 1; j < window; j++) {
      const block = (p[j - 1]! << 8) | p[j]!;
      const distance = window - 1 - j;
      if (distance < shift[block]!) shift[block] = distance;
    }
  }
  return { window, shift };
}

/**
 * Whether `text` may hold a pattern: exact for ASCII text (its UTF-8 bytes are its char codes,
 * so the automaton runs on the string itself, allocating nothing), true as soon as a non-ASCII
 * character appears (the caller then scrubs the encoded bytes). The no-secret case of short
 * texts such as header values costs one table walk.
 */
export function mayContainPattern(text: string, patterns: CompiledPatterns): boolean {
  if (patterns.size === 0) return false;
  const { classOf, delta, firstMatchRow } = patterns;
  let row = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return true;
    row = delta[row + classOf[code]!]!;
    if (row >= firstMatchRow) return true;
  }
  return false;
}
