/**
 * One request exactly as an upstream saw it. Nothing is decoded or normalised, because the
 * security tests assert that what the proxy's policy evaluated is byte-identical to what the
 * upstream received (invariant 3): `/a/%2e%2e/b` must stay `/a/%2e%2e/b` here.
 */
export interface RecordedRequest {
  method: string;
  /** The raw request target (`req.url`), never normalised. */
  url: string;
  /** `req.rawHeaders`: names in their received case, duplicates kept, in order. */
  rawHeaders: string[];
  /** Lower-cased name → every value received for it, in order. */
  headers: Record<string, string[]>;
  body: Uint8Array;
  /** Epoch ms at which the body had been fully read. */
  receivedAt: number;
  /** The socket peer, so tests can check which source address (127.0.0.11, …) connected. */
  remoteAddress: string | undefined;
  /** Epoch ms at which each SSE event was written (`sse` behaviour only; empty otherwise). */
  sseSentAt: number[];
}

/**
 * Builds the lower-cased header map from raw header pairs. A null-prototype object, so a header
 * literally named `__proto__` or `constructor` is recorded like any other.
 */
export function headerMap(rawHeaders: readonly string[]): Record<string, string[]> {
  const map: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    (map[name] ??= []).push(rawHeaders[i + 1] as string);
  }
  return map;
}

/** Raw header pairs as `[name, value]` tuples (the shape the `echo` behaviour answers with). */
export function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  }
  return pairs;
}
