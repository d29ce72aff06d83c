/**
 * The small description of an incoming request that core decides on (DESIGN §1, "the hot path").
 * Adapters build it from whatever their runtime gives them without copying bodies.
 */
export interface RequestInfo {
  readonly method: string;
  /** The raw request-target exactly as received (origin-form expected). */
  readonly target: string;
  /**
   * Header lines as received, flattened `[name, value, name, value, …]` (Node's `rawHeaders`
   * shape). Repeated lines stay separate, which is how a duplicated `X-Provider` is detected.
   */
  readonly headers: readonly string[];
  /** The socket peer address (Node) or `CF-Connecting-IP` (Workers). */
  readonly peer: string;
  /** Declared `Content-Length`, or undefined when absent (no body, or chunked). */
  readonly contentLength: number | undefined;
  /** A body follows (a positive length, or chunked framing). @default contentLength > 0 */
  readonly hasBody?: boolean;
}

export function requestHasBody(info: RequestInfo): boolean {
  return info.hasBody ?? (info.contentLength ?? 0) > 0;
}

/** Every value of a header, matched case-insensitively; `lowerName` must be lower case. */
export function headerValues(headers: readonly string[], lowerName: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (isHeader(headers[i] as string, lowerName)) values.push(headers[i + 1] as string);
  return values;
}

/** The first value of a header, or undefined; for fields that are read once per request. */
export function headerValue(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (isHeader(headers[i] as string, lowerName)) return headers[i + 1] as string;
  return undefined;
}

/** Whether a header line's name is `lowerName` (given in lower case). */
export function isHeader(name: string, lowerName: string): boolean {
  // Comparing lengths first spares lower-casing nearly every line: field names are ASCII tokens
  // (RFC 9110 §5.1, enforced by every HTTP parser), whose lower-case form has the same length.
  return name.length === lowerName.length && name.toLowerCase() === lowerName;
}
