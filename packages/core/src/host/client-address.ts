/**
 * @module host/client-address
 * Who is calling (DESIGN §2.2, invariant 5): the socket peer, unless that peer is a trusted
 * proxy, in which case the X-Forwarded-For chain it vouches for is read from the right.
 */
import type { CidrTable } from "./cidr-table.js";
import { parseIp, type IpAddress } from "./ip.js";

export type ClientAddressResult = { ok: true; ip: IpAddress } | { ok: false; reason: string };

/** Invariant 8: the walk is bounded whatever a (trusted but compromised) proxy sends. */
export const MAX_FORWARDED_FOR_ENTRIES = 64;

// RFC 9110 §5.6.1: list elements are separated by a comma with optional whitespace (OWS) around
// it; OWS is SP or HTAB only, so String.prototype.trim() (Unicode spaces, CR, LF) is too broad.
const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

/**
 * @param peer the socket peer as Node reports it (`127.0.0.1`, `::ffff:127.0.0.1`, `::1`).
 * @param forwardedFor every X-Forwarded-For field line, in the order received.
 * @param trusted the `trusted_proxies` blocks.
 */
export function resolveClientAddress(
  peer: string,
  forwardedFor: readonly string[] | undefined,
  trusted: CidrTable<true>,
): ClientAddressResult {
  const peerIp = parseIp(peer);
  if (!peerIp) return { ok: false, reason: "unparseable socket peer address" };
  // Anyone can write X-Forwarded-For; only a trusted proxy's word counts (SEC-35). A trusted
  // proxy that forwards nothing is itself the client (DESIGN §4.2).
  if (!trusted.lookup(peerIp) || !forwardedFor || forwardedFor.length === 0) {
    return { ok: true, ip: peerIp };
  }
  // RFC 9110 §5.3: several field lines are one list, joined with commas in order.
  const entries = forwardedFor.join(",").split(",");
  if (entries.length > MAX_FORWARDED_FOR_ENTRIES) {
    const reason = `X-Forwarded-For has more than ${MAX_FORWARDED_FOR_ENTRIES} entries`;
    return { ok: false, reason };
  }
  // Each proxy appends the address it saw, so only the right end is written by trusted hops;
  // the left end is whatever the client chose to send (SEC-36: a spoofed leftmost entry).
  let client: IpAddress | undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    client = parseIp((entries[i] ?? "").replace(OWS_EDGES, ""));
    // A trusted hop vouched for this entry, so garbage here means a broken or hostile chain:
    // refuse rather than fall back to the proxy's own, more trusted, address (DESIGN §4.2: 400).
    if (!client) return { ok: false, reason: "malformed X-Forwarded-For" };
    if (!trusted.lookup(client)) return { ok: true, ip: client };
  }
  // Every hop is a trusted proxy: the leftmost entry is the best the chain can tell us.
  return client ? { ok: true, ip: client } : { ok: false, reason: "malformed X-Forwarded-For" };
}
