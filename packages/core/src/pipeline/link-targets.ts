/**
 * RFC 8288 §3.1: a `Link` target is a URI-reference in `<…>`. Providers page with absolute targets
 * under their own base URL (GitHub: `<https://api.github.com/repositories/1/issues?page=2>`), which
 * a client would follow straight to the provider, past Outpost, with a dummy key. Targets under
 * the provider's `base_url` are given back as paths from the proxy's root, the same path the agent
 * would send for them, so following a link comes back through Outpost and its policy. Targets
 * elsewhere are left alone (a cross-origin link is the upstream's business, and never followed by
 * the proxy itself, invariant 2).
 */
export function proxyRelativeLinks(headers: string[], base: string): void {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).length !== 4 || (headers[i] as string).toLowerCase() !== "link") continue;
    const value = headers[i + 1] as string;
    if (!value.includes(base)) continue;
    headers[i + 1] = value.replace(/<([^>]*)>/g, (whole, target: string) => {
      const path = pathUnder(target, base);
      return path === undefined ? whole : `<${path}>`;
    });
  }
}

/** The path (and query) of `target` below `base`, or undefined when it is not below it. */
function pathUnder(target: string, base: string): string | undefined {
  if (!target.startsWith(base)) return undefined;
  const rest = target.slice(base.length);
  if (rest === "") return "/";
  if (rest.startsWith("/")) return rest;
  if (rest.startsWith("?")) return `/${rest}`;
  return undefined; // "https://api.example.com/v2x": another path that only shares characters
}
