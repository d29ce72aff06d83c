import { concatBytes } from "../internal/bytes.js";
import { mayContainPattern } from "../scrub/pattern-automaton.js";
import { type CompiledPatterns, createScrubber, SAME_LENGTH, scrubText } from "../scrub/scrubber.js";
import type { Scrubber } from "../scrub/scrubber.js";
import { headerValue, isHeader } from "./request-info.js";

/**
 * Largest answer of known length that is held whole so it can be sent scrubbed with an exact
 * `Content-Length` and a complete `X-Proxy-Redacted` count. Larger or unsized answers are
 * streamed (the scrubber holds back at most the longest secret form minus one byte), chunked.
 */
export const SCRUB_BUFFER_BYTES = 64 * 1024;

/** A small scrubbed answer, ready to send. */
export interface SealedAnswer {
  readonly headers: string[];
  readonly body: Uint8Array;
}

/** How the body of one relayed answer is scrubbed and framed. */
export interface ScrubbedFraming {
  /** Headers to send now (streamed or bodyless answers). */
  readonly headers: string[];
  /** Streamed answers: pass every chunk through it. */
  readonly scrubber: Scrubber | undefined;
  /** Small answers of known length: read the whole body, then send what this returns instead. */
  readonly seal: ((body: Uint8Array) => SealedAnswer) | undefined;
}

const REDACTED_HEADER = "X-Proxy-Redacted";

/**
 * Scrubs header values in place, in one pass over all of them (NUL cannot occur in a header
 * value, so it separates them safely); returns how many replacements were made.
 */
export function scrubHeaderValues(headers: string[], patterns: CompiledPatterns): number {
  let suspect = false;
  for (let i = 1; i < headers.length && !suspect; i += 2) suspect = mayContainPattern(headers[i] as string, patterns);
  if (!suspect) return 0;
  const values: string[] = [];
  for (let i = 1; i < headers.length; i += 2) values.push(headers[i] as string);
  const result = scrubText(values.join("\u0000"), patterns);
  if (result.replacements === 0) return 0;
  const scrubbed = result.text.split("\u0000");
  for (let i = 1, j = 0; i < headers.length; i += 2, j++) headers[i] = scrubbed[j] as string;
  return result.replacements;
}

function withoutContentLength(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!isHeader(headers[i] as string, "content-length")) out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}

function withCount(headers: string[], redacted: number): string[] {
  if (redacted > 0) headers.push(REDACTED_HEADER, String(redacted));
  return headers;
}

/**
 * Decides how a scrubbed answer reaches the agent (invariant 1, SEC-64). Every credential becomes
 * `[REDACTED]`, which changes the body's length, so the upstream `Content-Length` cannot be kept
 * as is: a small sized body is held and re-measured, anything else is streamed without a length.
 * Bodyless answers keep their headers (a HEAD's length describes the GET). A 206 is masked
 * byte for byte instead, because its `Content-Range` counts bytes of the upstream representation.
 *
 * `relayed` are the relayable headers, already scrubbed (`headerRedactions` replacements);
 * `trailer` are the proxy's own headers, appended last.
 */
export function scrubbedFraming(
  patterns: CompiledPatterns,
  status: number,
  bodyless: boolean,
  relayed: string[],
  headerRedactions: number,
  trailer: readonly string[],
): ScrubbedFraming {
  if (bodyless) return { headers: withCount(relayed.concat(trailer), headerRedactions), scrubber: undefined, seal: undefined };
  if (status === 206) return { headers: withCount(relayed.concat(trailer), headerRedactions), scrubber: createScrubber(patterns, SAME_LENGTH), seal: undefined };
  const declared = headerValue(relayed, "content-length");
  const length = declared === undefined ? Number.NaN : Number(declared);
  if (!(length <= SCRUB_BUFFER_BYTES)) {
    return { headers: withCount(withoutContentLength(relayed).concat(trailer), headerRedactions), scrubber: createScrubber(patterns), seal: undefined };
  }
  const headers = withCount(relayed.concat(trailer), headerRedactions);
  const seal = (body: Uint8Array): SealedAnswer => {
    const scrubber = createScrubber(patterns);
    const head = scrubber.push(body);
    const tail = scrubber.flush();
    // Nothing replaced (nearly every answer): the bytes go as they came, not as a copy (a copy per
    // answer is memory held until the next collection, bench/: the echo's peak RSS), under the
    // headers already built, whose Content-Length the body matches.
    if (scrubber.replacements === 0 && String(body.byteLength) === declared) return { headers, body };
    const out = scrubber.replacements === 0 ? body : tail.byteLength === 0 ? head : concatBytes([head, tail], head.byteLength + tail.byteLength);
    const resized = withoutContentLength(relayed);
    resized.push("Content-Length", String(out.byteLength));
    for (const line of trailer) resized.push(line);
    return { headers: withCount(resized, headerRedactions + scrubber.replacements), body: out };
  };
  return { headers, scrubber: undefined, seal };
}
