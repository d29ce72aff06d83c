/**
 * Bytes a query may carry unencoded: RFC 3986 §3.4 `query` minus `'`, which the WHATWG URL
 * serialiser encodes for http(s). Everything else (quotes, `<>`, spaces, non-ASCII) is
 * percent-encoded once here, before policy and signing, so the query that was evaluated and
 * signed is byte for byte the one the upstream receives (invariant 3).
 */
const QUERY_SAFE = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

export function canonicalQuery(raw: string): string {
  if (QUERY_SAFE.test(raw)) return raw;
  let out = "";
  for (const char of raw) {
    if (QUERY_SAFE.test(char)) out += char;
    else for (const byte of new TextEncoder().encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Removes the agent's values for the query parameters an auth module owns, then appends the
 * module's own. Names are compared after percent-decoding and case folding, because upstream
 * frameworks disagree on both and `api%5Fkey` or `API_KEY` could otherwise reach the provider as
 * a second credential (SEC-71).
 */
export function injectQuery(rawQuery: string, owned: readonly (readonly [string, string])[]): string {
  if (owned.length === 0) return rawQuery;
  const ownedNames = new Set(owned.map(([name]) => name.toLowerCase()));
  const kept: string[] = [];
  for (const part of rawQuery === "" ? [] : rawQuery.split("&")) {
    // Some upstreams also split on ";" (Rack before 3, Python before 3.9.2: CVE-2021-23336), so
    // `x=1;api_key=a` would reach them as a second credential: drop such sub-parts too.
    const subs = part.split(";").filter((sub) => !ownedNames.has(paramName(sub)));
    if (subs.length > 0) kept.push(subs.join(";"));
  }
  for (const [name, value] of owned) kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return kept.join("&");
}

function paramName(part: string): string {
  const eq = part.indexOf("=");
  const raw = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, " ");
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}
