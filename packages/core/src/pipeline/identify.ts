import type { CompiledConfig, CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import { fail } from "../http/answer.js";
import { formatIp } from "../host/ip.js";
import { resolveClientAddress } from "../host/client-address.js";
import { METHOD_OVERRIDE_HEADERS } from "./headers.js";
import { headerValues, type RequestInfo } from "./request-info.js";

/** RFC 9110 §9.3.8 TRACE reflects the request, injected credential included (SEC-54). */
const REFUSED_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);

/** Step 1: only origin-form targets, one provider header, no method tricks. */
export function checkRequestShape(info: RequestInfo): void {
  if (REFUSED_METHODS.has(info.method.toUpperCase())) fail("PROXY_METHOD_NOT_ALLOWED", "method not allowed");
  // RFC 9112 §3.2: absolute-form and asterisk-form would let the agent name another origin.
  if (!info.target.startsWith("/")) fail("PROXY_BAD_REQUEST", "request target must be origin-form (start with /)");
  for (let i = 0; i < info.headers.length; i += 2) {
    if (METHOD_OVERRIDE_HEADERS.has((info.headers[i] as string).toLowerCase())) {
      fail("PROXY_BAD_REQUEST", "method-override headers are not accepted");
    }
  }
}

/** Step 2: who is calling, from the socket and trusted proxies only (invariant 5). */
export function identifyHost(info: RequestInfo, config: CompiledConfig): { host: CompiledHost; client: string } {
  const forwarded = config.hasTrustedProxies ? headerValues(info.headers, "x-forwarded-for") : undefined;
  const address = resolveClientAddress(info.peer, forwarded, config.trustedProxies);
  if (!address.ok) fail("PROXY_BAD_REQUEST", "malformed client address");
  const client = formatIp(address.ip);
  const host = config.hosts.lookup(address.ip);
  if (!host) fail("PROXY_HOST_DENIED", "this client is not allowed to use the proxy");
  return { host, client };
}

export function grantedProviders(config: CompiledConfig, host: CompiledHost): string[] {
  return [...config.providers.keys()].filter((name) => !host.providers || host.providers.has(name)).sort();
}

/** Step 4: exactly one provider, known, enabled and granted to this host. */
export function selectProvider(info: RequestInfo, config: CompiledConfig, host: CompiledHost): CompiledProvider {
  const values = headerValues(info.headers, "x-provider");
  // Repeated lines are caught on the raw lines; runtimes that join them (Fetch `Headers`) leave a
  // comma, which no provider name contains (SEC-28).
  if (values.length > 1 || values[0]?.includes(",")) fail("PROXY_BAD_REQUEST", "exactly one X-Provider header is allowed");
  const name = values.length === 1 ? (values[0] as string).trim().toLowerCase() : config.defaultProvider;
  const provider = name === undefined ? undefined : config.providers.get(name);
  if (!provider) {
    // Only the providers this host may use are listed, and the agent's value is never echoed.
    fail("PROXY_UNKNOWN_PROVIDER", name === undefined ? "no X-Provider header and no default provider" : "unknown provider", {
      metadata: { available: grantedProviders(config, host) },
    });
  }
  if (host.providers && !host.providers.has(provider.name)) {
    fail("PROXY_PROVIDER_DENIED", "this client may not use this provider");
  }
  return provider;
}
