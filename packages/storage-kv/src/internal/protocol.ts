import type { TakeResult, TokenWindow } from "@outpost/core";

/** One storage operation sent to the coordinator Durable Object (keys already carry the prefix). */
export type CoordinatorOp =
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "set"; readonly key: string; readonly value: string; readonly ttlMs?: number | null }
  | { readonly op: "delete"; readonly key: string }
  | { readonly op: "reserve"; readonly key: string; readonly value: string; readonly ttlMs: number | null }
  | {
      readonly op: "take";
      readonly key: string;
      readonly windows: readonly TokenWindow[];
      readonly nowMs: number;
      readonly cost: number;
      readonly gateKey?: string;
    }
  | { readonly op: "ping" };

/** JSON has no Infinity (a cost above a window's capacity can never be met): -1 stands for it. */
export function encodeTake(result: TakeResult): TakeResult {
  return result.ok || Number.isFinite(result.retryAfterMs) ? result : { ...result, retryAfterMs: -1 };
}

export function decodeTake(result: TakeResult): TakeResult {
  return result.ok || result.retryAfterMs !== -1 ? result : { ...result, retryAfterMs: Number.POSITIVE_INFINITY };
}

/** A TTL as it travels: null means no expiry (JSON would turn Infinity into null anyway). */
export function wireTtl(ttlMs: number | undefined): number | null {
  return ttlMs === undefined || ttlMs === Number.POSITIVE_INFINITY ? null : ttlMs;
}
