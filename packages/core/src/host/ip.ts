/**
 * @module host/ip
 * Strict IP address text ⇄ bytes. Host policy compares addresses numerically (invariant 5), so
 * every spelling the proxy accepts must have exactly one meaning: anything another parser could
 * read differently is refused instead of guessed at.
 */

/** An IP address as network-order bytes: 4 bytes for family 4, 16 bytes for family 6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

// One IPv4 part: 0-255 in decimal without leading zeros. inet_aton() and WHATWG URL read
// `010` as octal (8) and `0x0a` as hex, so a lenient parser would see a different network.
const IPV4_PART = /^(?:0|[1-9][0-9]{0,2})$/;
// RFC 4291 §2.2: a 16-bit piece is one to four hex digits.
const IPV6_PIECE = /^[0-9A-Fa-f]{1,4}$/;
// RFC 4291 §2.5.5.2: ::ffff:0:0/96 carries an IPv4 address; Node reports IPv4 peers on a
// dual-stack socket this way, and DESIGN §2.2 compares them as IPv4.
const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * Parses one address: dotted-decimal IPv4 with exactly four parts, or IPv6 text per RFC 4291
 * §2.2 (optionally in `[brackets]`). IPv4-mapped IPv6 comes back as family 4. Zone ids, ports,
 * whitespace, octal, hex and shorthand IPv4 are refused.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (text.startsWith("[")) {
    // Brackets are URI syntax for IPv6 only (RFC 3986 §3.2.2); `[1.2.3.4]` is not an address.
    if (!text.endsWith("]")) return undefined;
    const inner = parseIpv6(text.slice(1, -1));
    return inner && unmapV4(inner);
  }
  if (text.includes(":")) {
    const v6 = parseIpv6(text);
    return v6 && unmapV4(v6);
  }
  const v4 = parseIpv4(text);
  return v4 && { family: 4, bytes: v4 };
}

/**
 * Canonical text: dotted decimal for IPv4; RFC 5952 for IPv6 (lowercase, no leading zeros,
 * the longest run of two or more zero pieces compressed, the first such run on a tie, §4.2).
 */
export function formatIp(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  // RFC 5952 §5: a mapped address keeps its IPv4 tail in dotted form.
  if (hasV4MappedPrefix(b)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const pieces: number[] = [];
  for (let i = 0; i < 16; i += 2) pieces.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  const [start, length] = longestZeroRun(pieces);
  const hex = pieces.map((piece) => piece.toString(16));
  if (length < 2) return hex.join(":");
  return `${hex.slice(0, start).join(":")}::${hex.slice(start + length).join(":")}`;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? "";
    if (!IPV4_PART.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  // Zone ids (`%eth0`, RFC 6874) name a local interface, not an address: refused by the regexes.
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parsePieces(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? parsePieces(halves[1] ?? "", true) : [];
  if (!head || !tail) return undefined;
  const explicit = head.length + tail.length;
  // Without `::` all eight pieces are spelled out; `::` stands for one or more zero pieces.
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const pieces = [...head, ...new Array<number>(8 - explicit).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  pieces.forEach((piece, i) => {
    bytes[2 * i] = piece >> 8;
    bytes[2 * i + 1] = piece & 0xff;
  });
  return bytes;
}

/** Colon-separated pieces; only the final piece of the address may be a dotted IPv4 tail. */
function parsePieces(text: string, mayEndWithV4: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const pieces: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? "";
    if (IPV6_PIECE.test(part)) {
      pieces.push(Number.parseInt(part, 16));
    } else if (mayEndWithV4 && i === parts.length - 1) {
      const v4 = parseIpv4(part);
      if (!v4) return undefined;
      pieces.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else {
      return undefined;
    }
  }
  return pieces;
}

function unmapV4(bytes: Uint8Array): IpAddress {
  if (hasV4MappedPrefix(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

function hasV4MappedPrefix(bytes: Uint8Array): boolean {
  return bytes.length === 16 && V4_MAPPED_PREFIX.every((value, i) => bytes[i] === value);
}

function longestZeroRun(pieces: readonly number[]): [start: number, length: number] {
  let best: [number, number] = [0, 0];
  let start = -1;
  for (let i = 0; i <= pieces.length; i++) {
    if (i < pieces.length && pieces[i] === 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start > best[1]) best = [start, i - start];
      start = -1;
    }
  }
  return best;
}
