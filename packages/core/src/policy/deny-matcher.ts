/**
 * Deny entries (DESIGN §2.1, invariant 4: deny wins on every plausible interpretation).
 *
 * Allow rules can afford to be exact because a miss is a 404; a deny miss forwards a request the
 * operator forbade. So both sides are folded the way the loosest plausible upstream would read them:
 * fully decoded, NFKC, lowercased; an entry covers its subtree and format suffixes ("keys.json").
 */
import { canonicalizePath, canonicalizePathChars } from "./canonical-path.js";

/** Returns the entry, as written in config, that matched. */
export type DenyMatcher = (canonicalPath: string) => string | undefined;

type Element = { kind: "literal"; folded: string } | { kind: "one" } | { kind: "many" };
type CompiledEntry = { source: string; elements: Element[] };

const PARAM = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Decodes every well-formed UTF-8 %XX run; anything else is left as written. */
function decodeAll(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

// NFKC maps fullwidth and compatibility forms ("ｕ", "K" Kelvin, "ﬀ") to what servers that
// normalise will route on; the second NFKC closes over forms that lowercasing can produce.
const fold = (text: string): string => text.normalize("NFKC").toLowerCase().normalize("NFKC");

function invalid(entry: string, why: string): Error {
  return new Error(`invalid deny entry ${JSON.stringify(entry)}: ${why}`);
}

function compileElement(entry: string, segment: string): Element {
  if (segment === "**") return { kind: "many" };
  if (segment === "*" || PARAM.test(segment)) return { kind: "one" };
  if (/[*{}]/.test(segment)) throw invalid(entry, "wildcards must be a whole segment");
  const chars = canonicalizePathChars(segment);
  if (!chars.ok) throw invalid(entry, chars.reason);
  const folded = fold(decodeAll(chars.path));
  // A fullwidth "／" or "．．" would fold into structure and could never match a folded segment.
  if (folded === "" || folded === "." || folded === ".." || /[/\\]/.test(folded)) {
    throw invalid(entry, "a segment folds to a separator or dot segment");
  }
  return { kind: "literal", folded };
}

function compileEntry(entry: string): CompiledEntry {
  if (typeof entry !== "string" || !entry.startsWith("/")) {
    throw invalid(String(entry), 'must start with "/"');
  }
  const segments = entry.slice(1).split("/");
  if (segments[segments.length - 1] === "") segments.pop(); // "/admin/" means "/admin"
  const probe = "/" + segments.map((s) => (/[*{}]/.test(s) ? "x" : s)).join("/");
  const whole = canonicalizePath(probe);
  if (!whole.ok) throw invalid(entry, whole.reason);
  return { source: entry, elements: segments.map((s) => compileElement(entry, s)) };
}

/** The path as a server that keeps every segment would route it. */
function strictView(folded: string): string[] {
  const segments = folded.slice(1).split("/");
  if (segments[segments.length - 1] === "") segments.pop();
  return segments;
}

/**
 * The path as a lax server would route it once folding revealed syntax: "\" as "/", ";params"
 * stripped (Tomcat), trailing spaces and dots dropped (Windows file names, IIS), empty segments
 * merged, dot segments resolved (RFC 3986 §5.2.4).
 */
function lenientView(folded: string): string[] {
  const out: string[] = [];
  for (const raw of folded.split(/[/\\]/)) {
    const param = raw.split(";")[0]!;
    const seg = param === "." || param === ".." ? param : param.replace(/[ .]+$/, "");
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out;
}

/** Printable ASCII without escapes: folding is lower-casing, and nothing can fold into syntax. */
const PLAIN = /^[\x21-\x24\x26-\x7e]*$/;

function views(canonicalPath: string): string[][] {
  // A canonical path has no `\`, `;`, empty or dot segments (canonical-path.ts), so for a plain
  // one the lenient view equals the strict one: the common case costs one lower-casing.
  if (PLAIN.test(canonicalPath)) return [strictView(canonicalPath.toLowerCase())];
  const texts = [fold(decodeAll(canonicalPath))];
  // NFKC turns a fullwidth "％" into "%", exposing an escape that a later decode would honour;
  // repeat (bounded) for servers that decode again after normalising.
  for (let i = 0; i < 3 && texts[i]!.includes("%"); i++) {
    const again = fold(decodeAll(texts[i]!));
    if (again === texts[i]) break;
    texts.push(again);
  }
  const result: string[][] = [];
  for (const text of texts) result.push(strictView(text), lenientView(text));
  return result;
}

// "keys.json" and "keys." are the same resource as "keys" on many frameworks (format suffixes).
const segmentMatches = (segment: string, folded: string): boolean =>
  segment === folded || segment.startsWith(folded + ".");

/**
 * Does the entry match a prefix of the segments (the entry covers its subtree)? Dynamic
 * programming over (element, segment): O(entry x path) even with several "**".
 */
function matchesPrefix(elements: readonly Element[], segments: readonly string[]): boolean {
  if (!elements.some((el) => el.kind === "many")) return matchesFixed(elements, segments);
  const n = segments.length;
  let below = new Uint8Array(n + 1).fill(1); // no elements left: any remainder is the subtree
  for (let i = elements.length - 1; i >= 0; i--) {
    const el = elements[i]!;
    const row = new Uint8Array(n + 1); // row[n] = 0: every element needs at least one segment
    for (let j = n - 1; j >= 0; j--) {
      const next = below[j + 1] === 1;
      if (el.kind === "many") row[j] = next || row[j + 1] === 1 ? 1 : 0;
      else if (el.kind === "one") row[j] = next ? 1 : 0;
      else row[j] = next && segmentMatches(segments[j]!, el.folded) ? 1 : 0;
    }
    below = row;
  }
  return below[0] === 1;
}

/** Entries without "**" cover exactly their first segments: a linear check, no table. */
function matchesFixed(elements: readonly Element[], segments: readonly string[]): boolean {
  if (elements.length > segments.length) return false;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i]!;
    if (el.kind === "literal" && !segmentMatches(segments[i]!, el.folded)) return false;
  }
  return true;
}

export function compileDenyList(entries: readonly string[]): DenyMatcher {
  const compiled = entries.map(compileEntry);
  if (compiled.length === 0) return () => undefined;
  return (canonicalPath) => {
    const candidates = views(canonicalPath);
    for (const entry of compiled) {
      if (candidates.some((segments) => matchesPrefix(entry.elements, segments))) return entry.source;
    }
    return undefined;
  };
}
