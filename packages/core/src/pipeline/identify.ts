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

export interface Identified {
  readonly host: CompiledHost;
  readonly client: string;
}

/** Peers remembered per configuration: enough for a fleet of agents, cleared rather than grown. */
const MAX_REMEMBERED_PEERS = 1024;

/** Step 2: who is calling, from the socket and trusted proxies only (invariant 5). */
function identifyHost(info: RequestInfo, config: CompiledConfig): Identified {
  const forwarded = config.hasTrustedProxies ? headerValues(info.headers, "x-forwarded-for") : undefined;
  const address = resolveClientAddress(info.peer, forwarded, config.trustedProxies);
  if (!address.ok) fail("PROXY_BAD_REQUEST", "malformed client address");
  const client = formatIp(address.ip);
  const host = config.hosts.lookup(address.ip);
  if (!host) fail("PROXY_HOST_DENIED", "this client is not allowed to use the proxy");
  return { host, client };
}

/**
 * {@link identifyHost} for one configuration, remembering allowed socket peers. Without trusted
 * proxies the answer is a function of the peer text alone (and an agent reuses its connections and
 * its address), so parsing and the CIDR lookup run once per peer rather than once per request.
 * Refusals are not remembered: they throw every time.
 */
export function createHostIdentifier(config: CompiledConfig): (info: RequestInfo) => Identified {
  if (config.hasTrustedProxies) return (info) => identifyHost(info, config);
  const known = new Map<string, Identified>();
  return (info) => {
    let identified = known.get(info.peer);
    if (identified === undefined) {
      identified = identifyHost(info, config);
      if (known.size >= MAX_REMEMBERED_PEERS) known.clear();
      known.set(info.peer, identified);
    }
    return identified;
  };
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
