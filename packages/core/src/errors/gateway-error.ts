import { type ErrorCode, statusOf } from "./codes.js";

/**
 * The one error class of the request path. `message` is shown to the agent, so it is always a
 * fixed text chosen by the proxy: never upstream error text, URLs or secret material (DESIGN §3,
 * invariant 1). Diagnostic detail for operators goes in `cause`, which is never serialised.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly metadata: Record<string, unknown> | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { metadata?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.metadata = options.metadata ?? null;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return statusOf(this.code);
  }
}

/** Normalises anything thrown on the request path; unknown errors never reveal their text. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("PROXY_INTERNAL_ERROR", "internal error", { cause: error });
}
