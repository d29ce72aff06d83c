/**
 * Header hygiene in both directions. Each set says why its members never cross the proxy.
 */

/** RFC 9110 §7.6.1 connection-specific fields, plus the de-facto `Proxy-Connection`. */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/**
 * Request headers the agent may never send upstream: the proxy's own controls (DESIGN §4.2), the
 * agent's credential slot (the injected credential is the only one, invariant 1), `Expect`
 * (Node answers 100-continue itself), and every header that claims a client identity or
 * rewrites the target, which an upstream or a cache might believe (SEC-124).
 */
const REQUEST_NEVER_FORWARDED = new Set([
  ...HOP_BY_HOP,
  "host",
  "content-length",
  "expect",
  "x-provider",
  "x-outpost-auth",
  "authorization",
  "proxy-authorization",
  "proxy-authenticate",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-server",
  "x-real-ip",
  "true-client-ip",
  "x-client-ip",
  "fastly-client-ip",
  "x-cluster-client-ip",
  "cf-connecting-ip",
  "cf-connecting-ipv6",
  "x-original-url",
  "x-rewrite-url",
  "x-original-host",
  "via",
]);

/** Rejected outright (invariant 6): they let a safe-looking request act as a write upstream. */
export const METHOD_OVERRIDE_HEADERS = new Set(["x-http-method-override", "x-http-method", "x-method-override"]);

/**
 * Response headers the agent never receives: hop-by-hop, session material minted with the
 * operator's credential (SEC-65), and imitations of the proxy's own headers (DESIGN §4.2).
 */
const RESPONSE_NEVER_RELAYED = new Set([
  ...HOP_BY_HOP,
  "set-cookie",
  "set-cookie2",
  "authentication-info",
  "proxy-authenticate",
  "proxy-authentication-info",
  "x-request-id",
]);

const NONE: ReadonlySet<string> = new Set();

/** Lower-case header names listed in every `Connection` line (RFC 9110 §7.6.1). */
export function connectionNominated(headers: readonly string[]): ReadonlySet<string> {
  let names: Set<string> | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const field = headers[i] as string;
    // Only a 10-character name can be "connection": the length check spares lower-casing the
    // others (field names are ASCII tokens, RFC 9110 §5.1, so lower-casing keeps their length).
    if (field.length !== 10 || field.toLowerCase() !== "connection") continue;
    const value = headers[i + 1] as string;
    // The everyday values nominate nothing that is not hop-by-hop already.
    if (value === "keep-alive" || value === "close" || value === "Keep-Alive") continue;
    for (const token of value.split(",")) {
      const name = token.trim().toLowerCase();
      if (name) (names ??= new Set()).add(name);
    }
  }
  return names ?? NONE;
}

/**
 * The agent's headers that may go upstream, in order, as flattened pairs. `owned` holds the names
 * the proxy sets itself (default headers, auth headers): the agent's values for them are dropped
 * so the injected ones are the only ones, and Connection-nominated removal runs before injection
 * so it can never strip the credential (SEC-121).
 */
export function forwardableRequestHeaders(headers: readonly string[], owned: ReadonlySet<string>): string[] {
  const nominated = connectionNominated(headers);
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const lower = (headers[i] as string).toLowerCase();
    if (REQUEST_NEVER_FORWARDED.has(lower) || owned.has(lower) || nominated.has(lower) || lower.startsWith("proxy-")) continue;
    out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}

/** Upstream response headers that may reach the agent, as flattened pairs. */
export function relayableResponseHeaders(headers: readonly string[], strip: ReadonlySet<string>): string[] {
  const nominated = connectionNominated(headers);
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const lower = (headers[i] as string).toLowerCase();
    if (RESPONSE_NEVER_RELAYED.has(lower) || strip.has(lower) || nominated.has(lower) || lower.startsWith("x-proxy-")) continue;
    out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}
