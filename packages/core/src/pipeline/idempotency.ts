import { GatewayError } from "../errors/gateway-error.js";
import { sha256Hex } from "../internal/hash.js";
import type { Storage } from "../ports/storage.js";
import type { StoredResponse } from "./response-cache.js";
import { deciding } from "./storage-guard.js";
import { storageKeys } from "./storage-keys.js";

/** DESIGN §5.3: completed answers are replayed for 24 h. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;
/** Longer keys are refused: Stripe allows 255 characters. */
const MAX_KEY_LENGTH = 255;

type Entry = { state: "pending"; fp: string } | { state: "done"; fp: string; response: StoredResponse };

export interface IdempotencyClaim {
  readonly key: string;
  readonly fingerprint: string;
}

export type IdempotencyDecision = { kind: "claimed"; claim: IdempotencyClaim } | { kind: "replay"; response: StoredResponse };

/** What must match for a key to be reused: method, canonical path, query and the body's hash. */
export async function fingerprint(method: string, path: string, query: string, body: Uint8Array): Promise<string> {
  return sha256Hex(`${method}\n${path}\n${query}\n${await sha256Hex(body)}`);
}

/**
 * Step 10: reserves the key atomically. A concurrent duplicate gets 409, a reuse with another
 * request 422, a completed one its stored answer. Keys are scoped by provider and host id, so
 * one host can never receive another's stored answer (SEC-80).
 */
export async function claimIdempotencyKey(
  storage: Storage,
  provider: string,
  hostId: string,
  keyValue: string,
  fp: string,
  pendingTtlMs: number,
): Promise<IdempotencyDecision> {
  if (keyValue.length === 0 || keyValue.length > MAX_KEY_LENGTH) {
    throw new GatewayError("PROXY_BAD_REQUEST", `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const key = storageKeys.idempotency(provider, hostId, await sha256Hex(keyValue));
  const pending: Entry = { state: "pending", fp };
  const result = await deciding(() => storage.reserve(key, JSON.stringify(pending), { ttlMs: pendingTtlMs }));
  if (result.reserved) return { kind: "claimed", claim: { key, fingerprint: fp } };
  const existing = JSON.parse(result.existing) as Entry;
  if (existing.fp !== fp) {
    throw new GatewayError("PROXY_IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request");
  }
  if (existing.state === "pending") {
    throw new GatewayError("PROXY_IDEMPOTENCY_IN_PROGRESS", "a request with this Idempotency-Key is in progress", {
      headers: { "Retry-After": "1" },
    });
  }
  return { kind: "replay", response: existing.response };
}

/** Step 17: a completed non-5xx answer is kept for replay. */
export async function completeIdempotency(storage: Storage, claim: IdempotencyClaim, response: StoredResponse): Promise<void> {
  const done: Entry = { state: "done", fp: claim.fingerprint, response };
  await storage.set(claim.key, JSON.stringify(done), { ttlMs: IDEMPOTENCY_RETENTION_MS });
}

/** A 5xx, a network failure or a refusal after the claim frees the key for a retry. */
export async function releaseIdempotency(storage: Storage, claim: IdempotencyClaim): Promise<void> {
  await storage.delete(claim.key);
}
