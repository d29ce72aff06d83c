/**
 * The closed set of proxy error codes and the one table that maps each to its HTTP status
 * (DESIGN §3). Agents written against the original Outpost match on these strings, so they are
 * part of the public contract: add codes, never rename them.
 */
export const ERROR_CODE_TO_STATUS = {
  PROXY_BAD_REQUEST: 400,
  PROXY_BAD_PATH: 400,
  PROXY_UNKNOWN_PROVIDER: 400,
  PROXY_AUTH_REQUIRED: 401,
  PROXY_HOST_DENIED: 403,
  PROXY_PROVIDER_DENIED: 403,
  PROXY_PATH_DENIED: 403,
  PROXY_SENSITIVE_DENIED: 403,
  PROXY_NO_ROUTE: 404,
  PROXY_NOT_FOUND: 404,
  PROXY_METHOD_NOT_ALLOWED: 405,
  PROXY_IDEMPOTENCY_IN_PROGRESS: 409,
  PROXY_PAYLOAD_TOO_LARGE: 413,
  PROXY_IDEMPOTENCY_KEY_REUSED: 422,
  PROXY_RATE_LIMITED: 429,
  PROXY_UPSTREAM_RATE_LIMITED: 429,
  PROXY_HEADERS_TOO_LARGE: 431,
  PROXY_INTERNAL_ERROR: 500,
  PROXY_AUTH_ERROR: 502,
  PROXY_UPSTREAM_ERROR: 502,
  PROXY_STORAGE_UNAVAILABLE: 503,
  PROXY_UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODE_TO_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODE_TO_STATUS[code];
}
