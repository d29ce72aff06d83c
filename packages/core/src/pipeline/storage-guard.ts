import { GatewayError } from "../errors/gateway-error.js";

/**
 * Runs a storage operation whose answer decides the request. A failure answers 503 and the
 * request is never forwarded (invariant 7); the cause stays with the error for operators.
 */
export async function deciding<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError("PROXY_STORAGE_UNAVAILABLE", "storage is unavailable; the request was not forwarded", { cause: error });
  }
}
