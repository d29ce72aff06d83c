import type { CompiledProvider } from "../config/compiled-config.js";
import { fail } from "../http/answer.js";
import type { AuthInjection } from "../auth/types.js";
import { forwardableRequestHeaders } from "./headers.js";
import { injectQuery } from "./query.js";
import type { ProviderRuntime } from "./request-context.js";

export interface UpstreamTarget {
  readonly origin: string;
  readonly pathAndQuery: string;
}

function dropHeader(headers: string[], lowerName: string): string[] {
  for (let i = headers.length - 2; i >= 0; i -= 2) if ((headers[i] as string).toLowerCase() === lowerName) headers.splice(i, 2);
  return headers;
}

// What the WHATWG URL parser provably copies unchanged into a special-scheme URL: path segments
// without `%` (it reads `%2e` as a dot), `\\`, `?`, `#` or anything it percent-encodes, none of
// them empty, `.` or `..`; a query without `#`, `'` or anything it percent-encodes.
const PLAIN_PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]+\/)*[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

/**
 * Whether `new URL(path + "?" + query, origin)` would serialise to exactly these characters:
 * a shortcut past the parser for everyday targets; anything else takes the parser's word.
 */
export function isPlainTarget(path: string, query: string): boolean {
  return PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && (query === "" || PLAIN_QUERY.test(query));
}

/**
 * Step 14: the upstream target is built with the URL API and then checked, never trusted: its
 * origin must be the provider's and its path must be exactly `base_url`'s path + the canonical
 * path that policy evaluated (invariants 2 and 3; `new URL("//evil/x", base)` is the classic trap).
 */
export function upstreamTarget(provider: CompiledProvider, path: string, query: string, auth: AuthInjection): UpstreamTarget {
  const fullQuery = injectQuery(query, auth.query);
  const expectedPath = provider.basePath + path;
  const pathAndQuery = expectedPath + (fullQuery ? `?${fullQuery}` : "");
  if (isPlainTarget(expectedPath, fullQuery)) return { origin: provider.origin, pathAndQuery };
  // The URL API re-serialises what it parses: if it changes anything, what we decided on is not
  // what would be sent, so refuse rather than forward something else.
  const url = new URL(pathAndQuery, provider.origin);
  if (url.origin !== provider.origin || url.pathname + url.search !== pathAndQuery) {
    fail("PROXY_BAD_PATH", "path cannot be forwarded unchanged");
  }
  return { origin: provider.origin, pathAndQuery };
}

/** Steps 13–14: the agent's forwardable headers, then `default_headers`, then the credential. */
export function upstreamHeaders(runtime: ProviderRuntime, agentHeaders: readonly string[], auth: AuthInjection): string[] {
  const headers = forwardableRequestHeaders(agentHeaders, runtime.owned);
  // A compressed body cannot be scrubbed of credentials: ask for the identity encoding instead.
  if (runtime.scrubPatterns()) dropHeader(headers, "accept-encoding").push("Accept-Encoding", "identity");
  for (const [name, value] of runtime.provider.defaultHeaders) headers.push(name, value);
  for (const [name, value] of auth.headers) headers.push(name, value);
  return headers;
}
