import { GatewayError } from "../errors/gateway-error.js";

/**
 * Runs a storage operation whose answer decides the request. A failure answers 503 and the
 * request is never forwarded (invariant 7); the cause stays with the error for operators.
 */
export function deciding<T>(operation: () => Promise<T>): Promise<T> {
  // A promise reaction rather than an async wrapper: this runs on every rate-limited request.
  try {
    return operation().catch(rethrowAsStorageError);
  } catch (error) {
    return Promise.reject(asStorageError(error));
  }
}

function asStorageError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("PROXY_STORAGE_UNAVAILABLE", "storage is unavailable; the request was not forwarded", { cause: error });
}

function rethrowAsStorageError(error: unknown): never {
  throw asStorageError(error);
}
