import type { ErrorCode } from "../errors/codes.js";
import { GatewayError } from "../errors/gateway-error.js";

/** A response the proxy produces itself (errors, management endpoints, cache and idempotent replays). */
export interface Answer {
  readonly status: number;
  /** Flattened `[name, value, …]` pairs. */
  readonly headers: readonly string[];
  readonly body: string | Uint8Array;
}

/** Body size in bytes (UTF-8 for text). */
export function answerLength(answer: Answer): number {
  return typeof answer.body === "string" ? new TextEncoder().encode(answer.body).byteLength : answer.body.byteLength;
}

const JSON_HEADERS = ["Content-Type", "application/json; charset=utf-8", "Cache-Control", "no-store"];

export function jsonAnswer(status: number, body: unknown, extraHeaders: readonly string[] = []): Answer {
  return { status, headers: [...JSON_HEADERS, ...extraHeaders], body: JSON.stringify(body) };
}

/**
 * The one place a `GatewayError` becomes an HTTP answer, in the envelope agents already parse
 * (DESIGN §3). Only the fixed message and metadata chosen by the proxy are serialised.
 */
export function errorAnswer(error: GatewayError, extraHeaders: readonly string[] = []): Answer {
  const headers = [...extraHeaders];
  for (const [name, value] of Object.entries(error.headers)) headers.push(name, value);
  return jsonAnswer(
    error.status,
    { status: "FAILURE", error: { code: error.code, message: error.message, metadata: error.metadata } },
    headers,
  );
}

export function fail(code: ErrorCode, message: string, options?: ConstructorParameters<typeof GatewayError>[2]): never {
  throw new GatewayError(code, message, options);
}
