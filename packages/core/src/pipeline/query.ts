/**
 * Removes the agent's values for the query parameters an auth module owns, then appends the
 * module's own. Names are compared after percent-decoding and case folding, because upstream
 * frameworks disagree on both and `api%5Fkey` or `API_KEY` could otherwise reach the provider as
 * a second credential (SEC-71).
 */
export function injectQuery(rawQuery: string, owned: readonly (readonly [string, string])[]): string {
  if (owned.length === 0) return rawQuery;
  const ownedNames = new Set(owned.map(([name]) => name.toLowerCase()));
  const kept = rawQuery === "" ? [] : rawQuery.split("&").filter((part) => !ownedNames.has(paramName(part)));
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
