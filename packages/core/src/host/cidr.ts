/**
 * @module host/cidr
 * CIDR blocks from `hosts.yaml` (`cidrs`, `trusted_proxies`). Parsing is strict because a
 * misread or skipped entry silently lets a broader, more privileged one match instead (SEC-114):
 * every refusal says why, so start-up can fail with a useful message (invariant 7).
 */
import { formatIp, parseIp, type IpAddress } from "./ip.js";

/** A network: `bytes` has every bit after `prefix` cleared (4 bytes for family 4, 16 for 6). */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export type CidrParseResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

// Decimal without leading zeros: `/08` or `/3s` is a typo, not a prefix length.
const PREFIX = /^(?:0|[1-9][0-9]*)$/;
// RFC 4291 §2.5.5.2: the mapped block ::ffff:0:0/96 is IPv4 space shifted by 96 bits.
const V4_MAPPED_BITS = 96;

/**
 * Parses `address/prefix` or a bare address (a single host: /32 or /128). IPv4-mapped IPv6
 * blocks become IPv4 blocks, since mapped peers are compared as IPv4 (DESIGN §2.2).
 */
export function parseCidr(text: string): CidrParseResult {
  const parts = text.split("/");
  if (parts.length > 2) return fail(text, "more than one '/'");
  const [addressText = "", prefixText] = parts;
  if (addressText.startsWith("[")) return fail(text, "brackets are not allowed in a CIDR");
  const ip = parseIp(addressText);
  if (!ip) return fail(text, explainBadAddress(addressText));
  const writtenAsV6 = addressText.includes(":");
  const maxBits = writtenAsV6 ? 128 : 32;
  let prefix = maxBits;
  if (prefixText !== undefined) {
    if (prefixText === "") return fail(text, "missing prefix length after '/'");
    if (!PREFIX.test(prefixText)) {
      return fail(text, `prefix "${prefixText}" must be a decimal number without leading zeros`);
    }
    prefix = Number(prefixText);
    if (prefix > maxBits) return fail(text, `prefix /${prefix} is longer than ${maxBits} bits`);
  }
  // A mapped block shorter than /96 would reach outside ::ffff:0:0/96 into plain IPv6 space,
  // which no IPv4 block can express.
  const mapped = writtenAsV6 && ip.family === 4;
  if (mapped && prefix < V4_MAPPED_BITS) {
    return fail(text, `an IPv4-mapped prefix must be at least /${V4_MAPPED_BITS}`);
  }
  const effective = mapped ? prefix - V4_MAPPED_BITS : prefix;
  const network = maskBytes(ip.bytes, effective);
  if (!network.every((byte, i) => byte === ip.bytes[i])) {
    const suggestion = formatIp({ family: ip.family, bytes: network });
    const canonical = `${mapped ? `::ffff:${suggestion}` : suggestion}/${prefix}`;
    return fail(text, `host bits set; did you mean ${canonical}?`);
  }
  return { ok: true, cidr: { family: ip.family, bytes: network, prefix: effective } };
}

/** True when `ip` is inside `cidr`. Different families never match. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[whole] ?? 0) & mask) === cidr.bytes[whole];
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.min(8, Math.max(0, prefix - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Says which rule an address broke, so `outpost check` can point at the typo. */
function explainBadAddress(text: string): string {
  if (text === "") return "missing address";
  if (text.includes("%")) return "zone ids are not allowed";
  if (text.includes(":")) return "not a valid IPv6 address (RFC 4291 §2.2)";
  const parts = text.split(".");
  if (parts.length !== 4) return "an IPv4 address needs exactly four dotted decimal parts";
  for (const part of parts) {
    if (/^0[xX]/.test(part)) return `hex part "${part}" is not allowed`;
    // inet_aton() and WHATWG URL read a leading zero as octal: 010 would become 8.
    if (/^0[0-9]/.test(part)) return `leading zero in "${part}" is not allowed (read as octal)`;
    if (!/^[0-9]+$/.test(part)) return `"${part}" is not a decimal number`;
    if (Number(part) > 255) return `${part} is out of range 0-255`;
  }
  return "not a valid IP address";
}

function fail(text: string, reason: string): CidrParseResult {
  return { ok: false, reason: `invalid CIDR "${text}": ${reason}` };
}
