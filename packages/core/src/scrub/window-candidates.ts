/**
 * The scrubber's skip step: where in a chunk a secret could start.
 *
 * @module
 */

/** Below this many starts per chain, four chains cost more to set up than they save. */
const MIN_CHAIN_STARTS = 256;

/**
 * Starts examined per {@link windowCandidates} call (a block): bounds the candidate buffer
 * (64 KiB) when a body is full of near-misses. Unsigned entries: a chunk may be up to 4 GiB.
 */
const BLOCK = 16 * 1024;

/**
 * The starts of one chunk that may begin a pattern, found a block at a time as the scan reaches
 * them. One serves every scrubber: a scan runs to the end of its chunk without yielding, and
 * calls {@link reset} first. It keeps no reference to the chunk.
 */
export class CandidateStarts {
  #buffer: Uint32Array | undefined;
  /** The block of starts [from, to): those that may begin a pattern are buffer[0, count), ascending. */
  #from = 0;
  #to = 0;
  #count = 0;
  /** The first candidate not yet passed. */
  #next = 0;

  /** Forgets the block: the next {@link from} is for another chunk. */
  reset(): void {
    this.#from = 0;
    this.#to = 0;
  }

  /**
   * The first start at or after `q` in `chunk` that may begin a pattern, or `chunk.length −
   * window + 1` when none of the starts whose window lies wholly in the chunk does (the caller
   * steps the rest). `window` and `shift` as in {@link windowCandidates}; the same chunk, window
   * and shift on every call until {@link reset}.
   */
  from(chunk: Uint8Array, window: number, shift: Uint8Array, q: number): number {
    const lastStart = chunk.length - window;
    while (q <= lastStart) {
      if (q < this.#from || q >= this.#to) {
        this.#from = q;
        this.#to = Math.min(q + BLOCK, lastStart + 1);
        this.#buffer ??= new Uint32Array(BLOCK);
        this.#count = windowCandidates(chunk, q, this.#to, window, shift, this.#buffer);
        this.#next = 0;
      }
      const found = this.#buffer as Uint32Array;
      // The scan only moves forward while it is at the root, but a replacement restarts it just
      // after the match: step back over candidates it has not reached yet (a missed candidate
      // would be a missed secret; the step is one comparison when there is nothing to undo).
      while (this.#next > 0 && found[this.#next - 1]! >= q) this.#next--;
      while (this.#next < this.#count && found[this.#next]! < q) this.#next++;
      if (this.#next < this.#count) return found[this.#next]!;
      q = this.#to; // none left in this block: on to the next
    }
    return q;
  }
}

/**
 * Writes to `out`, in ascending order, every start position in `[from, to)` whose `window`-byte
 * window may begin a pattern (Wu–Manber, see `skipTable` in `pattern-automaton.ts`), and returns
 * how many. Every other start in the range begins no pattern. Requires `window ≥ 2`,
 * `to + window − 1 ≤ chunk.length`, and room in `out` for `to − from` entries (every start, in
 * the worst case).
 *
 * A single skip chain is bound by the latency of its loads: each step's address is the previous
 * step's result (~4 ns a step: the skip alone took 180–200 µs per MiB of base64 text). The range
 * is cut into four slices scanned by four independent chains in one loop, which the CPU runs side
 * by side (50 µs per MiB; the whole scan went from ~200 to ~80 µs per MiB, README Performance).
 * A chain may start anywhere: a step from window end `e` by `s = shift[block ending at e]` rules
 * out the starts `e − window + 1 … e − window + s` because that block lies inside each of their
 * windows, at an offset where no pattern has it; this holds whatever the chain did before, since
 * the table never holds more than `window − 1`.
 */
export function windowCandidates(chunk: Uint8Array, from: number, to: number, window: number, shift: Uint8Array, out: Uint32Array): number {
  const starts = to - from;
  if (starts < 4 * MIN_CHAIN_STARTS) return chainCandidates(chunk, from, to, window, shift, out, 0);
  const quarter = starts >> 2;
  const w = window - 1;
  // Chain k covers the starts [from + k·quarter, next slice); `a`…`d` are window ends (start + w),
  // `na`…`nd` write cursors into slice k's own region of `out`, which holds its worst case.
  let a = from + w;
  let b = from + quarter + w;
  let c = from + 2 * quarter + w;
  let d = from + 3 * quarter + w;
  const la = b;
  const lb = c;
  const lc = d;
  const ld = to + w;
  let na = 0;
  let nb = quarter;
  let nc = 2 * quarter;
  let nd = 3 * quarter;
  while (a < la && b < lb && c < lc && d < ld) {
    let s = shift[(chunk[a - 1]! << 8) | chunk[a]!]!;
    if (s === 0) {
      out[na++] = a - w;
      s = 1;
    }
    a += s;
    s = shift[(chunk[b - 1]! << 8) | chunk[b]!]!;
    if (s === 0) {
      out[nb++] = b - w;
      s = 1;
    }
    b += s;
    s = shift[(chunk[c - 1]! << 8) | chunk[c]!]!;
    if (s === 0) {
      out[nc++] = c - w;
      s = 1;
    }
    c += s;
    s = shift[(chunk[d - 1]! << 8) | chunk[d]!]!;
    if (s === 0) {
      out[nd++] = d - w;
      s = 1;
    }
    d += s;
  }
  // The chains that are left finish alone, then the four regions are packed in slice order.
  na = chainCandidates(chunk, a - w, la - w, window, shift, out, na);
  nb = chainCandidates(chunk, b - w, lb - w, window, shift, out, nb);
  nc = chainCandidates(chunk, c - w, lc - w, window, shift, out, nc);
  nd = chainCandidates(chunk, d - w, ld - w, window, shift, out, nd);
  out.copyWithin(na, quarter, nb);
  let count = na + nb - quarter;
  out.copyWithin(count, 2 * quarter, nc);
  count += nc - 2 * quarter;
  out.copyWithin(count, 3 * quarter, nd);
  count += nd - 3 * quarter;
  return count;
}

/** One chain over the starts `[from, to)`, writing from `out[at]`; returns the next free index. */
function chainCandidates(chunk: Uint8Array, from: number, to: number, window: number, shift: Uint8Array, out: Uint32Array, at: number): number {
  const w = window - 1;
  const limit = to + w;
  let last = from + w;
  while (last < limit) {
    const s = shift[(chunk[last - 1]! << 8) | chunk[last]!]!;
    if (s === 0) {
      out[at++] = last - w;
      last++;
    } else last += s;
  }
  return at;
}
