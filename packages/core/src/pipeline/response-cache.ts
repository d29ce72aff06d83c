import type { Answer } from "../http/answer.js";
import { base64Decode, base64Encode } from "../internal/bytes.js";
import { sha256Hex } from "../internal/hash.js";
import type { Storage } from "../ports/storage.js";
import { headerValues } from "./request-info.js";
import { storageKeys } from "./storage-keys.js";

/** Headers a replay carries: what describes the content, nothing about the exchange or the session. */
const REPLAYED_HEADERS = new Set([
  "content-type",
  "content-encoding",
  "content-language",
  "content-disposition",
  "etag",
  "last-modified",
  "link",
]);

export interface StoredResponse {
  readonly status: number;
  readonly headers: string[];
  readonly body: string;
}

/**
 * DESIGN §5.2: provider, host id (one host's answers are never served to another), method,
 * canonical path, sorted query, `Accept`, and every `cache_vary` header. Hashed: fixed length.
 */
export async function responseCacheKey(
  provider: string,
  hostId: string,
  method: string,
  path: string,
  query: string,
  headers: readonly string[],
  vary: readonly string[],
): Promise<string> {
  const sortedQuery = query === "" ? "" : query.split("&").sort().join("&");
  const varied = ["accept", ...vary.map((h) => h.toLowerCase())].map((name) => [name, headerValues(headers, name)]);
  return storageKeys.cache(await sha256Hex(JSON.stringify([provider, hostId, method, path, sortedQuery, varied])));
}

function cacheControl(headers: readonly string[]): string {
  return headerValues(headers, "cache-control").join(",").toLowerCase();
}

/** DESIGN §5.2: only complete 2xx answers that are not private, not session-bound, not `Vary: *`. */
export function isStorable(status: number, upstreamHeaders: readonly string[]): boolean {
  if (status < 200 || status > 299 || status === 206) return false;
  if (/(^|[\s,])(no-store|private)([\s,=]|$)/.test(cacheControl(upstreamHeaders))) return false;
  if (headerValues(upstreamHeaders, "set-cookie").length > 0 || headerValues(upstreamHeaders, "set-cookie2").length > 0) return false;
  return !headerValues(upstreamHeaders, "vary").some((v) => v.split(",").some((t) => t.trim() === "*"));
}

export function replayedHeaders(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (REPLAYED_HEADERS.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}

export function encodeStoredResponse(status: number, headers: readonly string[], body: Uint8Array): StoredResponse {
  return { status, headers: replayedHeaders(headers), body: base64Encode(body) };
}

export function storedAnswer(stored: StoredResponse, extraHeaders: readonly string[]): Answer {
  return { status: stored.status, headers: [...stored.headers, ...extraHeaders], body: base64Decode(stored.body) };
}

/** Step 11 lookup. The cache alone fails open: a storage error is a miss (SEC-107). */
export async function lookupResponse(storage: Storage, key: string): Promise<StoredResponse | undefined> {
  try {
    const raw = await storage.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredResponse);
  } catch {
    return undefined;
  }
}
