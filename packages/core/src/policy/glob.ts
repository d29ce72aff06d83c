/**
 * Allow-rule patterns (DESIGN §2.1): `*` and `{name}` match one or more characters inside a
 * segment, `**` one or more characters across segments, everything else is literal and
 * case-sensitive. Matching runs on canonical paths only (§4.1).
 */
import { canonicalizePath, canonicalizePathChars } from "./canonical-path.js";

export type PathMatcher = (canonicalPath: string) => boolean;

// Elements are char codes (>= 0) for literals, or one of these wildcards.
const SEGMENT_STAR = -1;
const GLOBSTAR = -2;

const TOKEN = /\*\*|\*|\{([^{}]*)\}|[{}]/g;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(pattern: string, why: string): Error {
  return new Error(`invalid allow pattern ${JSON.stringify(pattern)}: ${why}`);
}

type Part = { literal: string } | { wildcard: typeof SEGMENT_STAR | typeof GLOBSTAR };

function tokenize(pattern: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    const at = m.index;
    if (at > last) parts.push({ literal: pattern.slice(last, at) });
    else if (parts.length > 0 && "wildcard" in parts[parts.length - 1]!) {
      // "***" or "*{id}": the split between adjacent wildcards is ambiguous, so refuse it.
      throw invalid(pattern, "adjacent wildcards");
    }
    if (m[0] === "{" || m[0] === "}") throw invalid(pattern, "unbalanced brace");
    if (m[0].startsWith("{") && !PARAM_NAME.test(m[1]!)) {
      throw invalid(pattern, `bad parameter name ${JSON.stringify(m[1])}`);
    }
    parts.push({ wildcard: m[0] === "**" ? GLOBSTAR : SEGMENT_STAR });
    last = at + m[0].length;
  }
  if (last < pattern.length) parts.push({ literal: pattern.slice(last) });
  return parts;
}

/**
 * Operators write patterns in decoded form ("/café/*"); canonicalising literals the same way as
 * request paths makes "é" match the forwarded "%C3%A9" and "%7e" match "~".
 */
function toElements(pattern: string, parts: Part[]): number[] {
  // A stand-in character per wildcard lets the full path rules (dot/empty segments, UTF-8 split
  // around a wildcard) reject patterns that could never match a canonical path.
  const probe = parts.map((p) => ("literal" in p ? p.literal : "x")).join("");
  const whole = canonicalizePath(probe);
  if (!whole.ok) throw invalid(pattern, whole.reason);
  const elements: number[] = [];
  for (const part of parts) {
    if ("wildcard" in part) {
      elements.push(part.wildcard);
      continue;
    }
    const lit = canonicalizePathChars(part.literal);
    if (!lit.ok) throw invalid(pattern, lit.reason);
    for (let i = 0; i < lit.path.length; i++) elements.push(lit.path.charCodeAt(i));
  }
  return elements;
}

/**
 * Simulates the pattern as an NFA: time is O(path x pattern) whatever the input, unlike a
 * backtracking regex, where several "**" against a long agent-supplied path can blow up (ReDoS).
 * State j means "ready for element j" (j = n: the whole pattern matched). A wildcard state that
 * consumed a char stays, and also moves on; whether it consumed before does not change what it
 * may do next, so one state per element is enough. Only live states are visited, kept in
 * ascending order without duplicates in two buffers allocated once per pattern (matching is
 * synchronous, so no two calls ever share them).
 */
function nfaMatcher(elements: readonly number[]): PathMatcher {
  const n = elements.length;
  const els = Int32Array.from(elements);
  let live = new Int32Array(n + 1);
  let next = new Int32Array(n + 1);
  return (path) => {
    live[0] = 0;
    let count = 1;
    for (let k = 0; k < path.length && count > 0; k++) {
      const c = path.charCodeAt(k);
      let size = 0;
      for (let s = 0; s < count; s++) {
        const j = live[s]!;
        if (j === n) continue;
        const e = els[j]!;
        if (e >= 0) {
          if (c !== e) continue;
        } else {
          if (e === SEGMENT_STAR && c === 0x2f) continue;
          if (size === 0 || next[size - 1] !== j) next[size++] = j; // the wildcard consumes more
        }
        next[size++] = j + 1; // states are visited in ascending order, so j + 1 is new here
      }
      const old = live;
      live = next;
      next = old;
      count = size;
    }
    return count > 0 && live[count - 1] === n;
  };
}

/** A compiled allow pattern and the literal text every matching path starts with. */
export interface CompiledGlob {
  readonly matches: PathMatcher;
  /** Canonical text before the first wildcard (the whole pattern when it has none). */
  readonly prefix: string;
}

export function compileGlob(pattern: string): PathMatcher {
  return compileGlobParts(pattern).matches;
}

/** `compileGlob`, plus the literal prefix that the rule index (rule-index.ts) keys on. */
export function compileGlobParts(pattern: string): CompiledGlob {
  if (typeof pattern !== "string" || !pattern.startsWith("/")) {
    throw invalid(String(pattern), 'must start with "/"');
  }
  const parts = tokenize(pattern);
  const elements = toElements(pattern, parts);
  if (elements.every((e) => e >= 0)) {
    const literal = String.fromCharCode(...elements);
    return { matches: (path) => path === literal, prefix: literal };
  }
  const first = elements.findIndex((e) => e < 0);
  return { matches: withLiteralGuards(elements, nfaMatcher(elements)), prefix: String.fromCharCode(...elements.slice(0, first)) };
}

/**
 * Necessary conditions checked before the NFA: the literal text before the first wildcard and
 * after the last must frame the path, and every element needs at least one character. Most rules
 * fail here in a few comparisons, which keeps a long allow list cheap per request.
 */
function withLiteralGuards(elements: readonly number[], matcher: PathMatcher): PathMatcher {
  let first = 0;
  while (elements[first]! >= 0) first++;
  let last = elements.length - 1;
  while (elements[last]! >= 0) last--;
  const prefix = String.fromCharCode(...elements.slice(0, first));
  const suffix = String.fromCharCode(...elements.slice(last + 1));
  const minLength = elements.length;
  return (path) => path.length >= minLength && path.startsWith(prefix) && path.endsWith(suffix) && matcher(path);
}
