/**
 * First-match lookup over allow rules whose cost does not grow with the number of rules that
 * cannot match. Rules hang in a trie keyed on the whole literal segments their pattern starts
 * with, and each trie node keeps, per method, the ascending positions of its rules. A path walks
 * the trie along its own leading segments; only the rules on that walk are tried, with the full
 * matcher, and the lowest position wins: exactly the rule a linear "first match wins" scan finds
 * (`firstMatchLinear`, which the property test in rule-index.test.ts compares against).
 */
import type { PathMatcher } from "./glob.js";

/** One allow rule as the index needs it. */
export interface IndexableRule {
  readonly matches: PathMatcher;
  /** `"*"` among the rule's methods: it applies to every method. */
  readonly anyMethod: boolean;
  readonly methods: ReadonlySet<string>;
  /** Canonical literal text before the pattern's first wildcard (the whole pattern without one). */
  readonly prefix: string;
}

/** Position of the first rule that allows `method` on `path`, or -1. */
export type RuleLookup = (method: string, path: string) => number;

/** The reference semantics: every rule in order, first match wins. */
export function firstMatchLinear(rules: readonly IndexableRule[], method: string, path: string): number {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    if ((r.anyMethod || r.methods.has(method)) && r.matches(path)) return i;
  }
  return -1;
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** Positions of the rules that end here, in order, before they are split by method. */
  readonly positions: number[];
  /** Per method: positions (ascending) of this node's rules for that method or for any method. */
  byMethod: Map<string, Int32Array>;
  /** Positions of this node's any-method rules: the list for every method not in `byMethod`. */
  anyMethod: Int32Array;
}

const newNode = (): TrieNode => ({ children: new Map(), positions: [], byMethod: new Map(), anyMethod: new Int32Array(0) });

/**
 * The whole segments of a literal prefix, each closed by a "/": "/a/b/c" gives ["a", "b"] (a path
 * that starts with "/a/b/c" starts with "/a/" and "/a/b/"; "c" may continue, as in "/a/b/cd").
 */
function closedSegments(prefix: string): string[] {
  const segments = prefix.split("/").slice(1);
  segments.pop();
  return segments;
}

function finish(node: TrieNode, rules: readonly IndexableRule[]): void {
  const methods = new Set<string>();
  for (const p of node.positions) for (const m of rules[p]!.methods) methods.add(m);
  node.anyMethod = Int32Array.from(node.positions.filter((p) => rules[p]!.anyMethod));
  for (const m of methods) {
    node.byMethod.set(m, Int32Array.from(node.positions.filter((p) => rules[p]!.anyMethod || rules[p]!.methods.has(m))));
  }
  for (const child of node.children.values()) finish(child, rules);
}

/**
 * Builds the lookup once, at start-up. A rule that matches `path` has a prefix that `path` starts
 * with, so the path's walk reaches the rule's node: the index never loses a match, it only skips
 * rules whose literal segments differ from the path's.
 */
export function createRuleIndex(rules: readonly IndexableRule[]): RuleLookup {
  const root = newNode();
  rules.forEach((rule, position) => {
    let node = root;
    for (const segment of closedSegments(rule.prefix)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = newNode()));
      node = child;
    }
    node.positions.push(position);
  });
  finish(root, rules);

  /** The lowest position below `best` among the node's rules that match, else `best`. */
  const firstIn = (node: TrieNode, method: string, path: string, best: number): number => {
    const list = node.byMethod.get(method) ?? node.anyMethod;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p >= best) break;
      if (rules[p]!.matches(path)) return p;
    }
    return best;
  };

  return (method, path) => {
    let best = firstIn(root, method, path, rules.length);
    let node = root;
    // Every pattern starts with "/"; the walk follows the path's "/"-closed segments.
    for (let from = 1; node.children.size > 0 && path.charCodeAt(0) === 0x2f; ) {
      const slash = path.indexOf("/", from);
      if (slash === -1) break;
      const child = node.children.get(path.slice(from, slash));
      if (!child) break;
      node = child;
      best = firstIn(node, method, path, best);
      from = slash + 1;
    }
    return best === rules.length ? -1 : best;
  };
}
