/**
 * @module host/cidr-table
 * Longest-prefix match (DESIGN §2.2: "Longest-prefix match wins"), built once at start-up and
 * consulted on every request. A binary trie per family makes a lookup at most 32 or 128 steps
 * with no allocation, however many entries the hosts file has.
 */
import type { Cidr } from "./cidr.js";
import type { IpAddress } from "./ip.js";

/** Maps an address to the value of the most specific block containing it. */
export interface CidrTable<T> {
  lookup(ip: IpAddress): T | undefined;
}

interface TrieNode<T> {
  children: [TrieNode<T> | undefined, TrieNode<T> | undefined];
  // A separate flag, so a stored `undefined` value still counts as a match.
  terminal: boolean;
  value: T | undefined;
}

/**
 * Builds the table. Longest prefix wins; when the same block appears twice the first entry
 * wins, so a later duplicate can never silently replace an earlier, reviewed one.
 */
export function createCidrTable<T>(
  entries: ReadonlyArray<{ cidr: Cidr; value: T }>,
): CidrTable<T> {
  const roots = { 4: createNode<T>(), 6: createNode<T>() };
  for (const { cidr, value } of entries) insert(roots[cidr.family], cidr, value);
  return {
    lookup(ip) {
      return search(roots[ip.family], ip.bytes);
    },
  };
}

function createNode<T>(): TrieNode<T> {
  return { children: [undefined, undefined], terminal: false, value: undefined };
}

function bitAt(bytes: Uint8Array, index: number): 0 | 1 {
  return (((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) as 0 | 1;
}

function insert<T>(root: TrieNode<T>, cidr: Cidr, value: T): void {
  let node = root;
  for (let i = 0; i < cidr.prefix; i++) {
    const bit = bitAt(cidr.bytes, i);
    let child = node.children[bit];
    if (!child) {
      child = createNode<T>();
      node.children[bit] = child;
    }
    node = child;
  }
  if (node.terminal) return;
  node.terminal = true;
  node.value = value;
}

function search<T>(root: TrieNode<T>, bytes: Uint8Array): T | undefined {
  let best: T | undefined;
  let node: TrieNode<T> | undefined = root;
  const bits = bytes.length * 8;
  for (let i = 0; node; i++) {
    // Every terminal on the path contains the address; the deepest one is the longest prefix.
    if (node.terminal) best = node.value;
    if (i === bits) break;
    node = node.children[bitAt(bytes, i)];
  }
  return best;
}
