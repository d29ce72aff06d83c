import type { TakeResult } from "@outpost/core";
import { TAKE_TOKENS_SCRIPT } from "../lua.js";
import type { RedisLike } from "../redis-like.js";
import { createDeadlineWatch } from "./deadline-watch.js";
import { runScript } from "./run-script.js";

/** Most takes sent in one EVALSHA: bounds the time one script holds the Redis server. */
export const MAX_TAKES_PER_BATCH = 128;

/** One take as the script reads it: its keys, and `"nowMs cost n gate capacity windowMs …"`. */
export interface TakeArgs {
  readonly keys: readonly string[];
  readonly args: string;
}

interface Pending {
  readonly take: TakeArgs;
  readonly resolve: (result: TakeResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly takes: Pending[];
  settled: boolean;
}

/**
 * Collects the takes made during one event-loop turn and sends them as one EVALSHA of the
 * take-tokens script when the turn's I/O callbacks are done (`setImmediate`): requests parsed
 * from several sockets in one turn share one command, one socket write and one reply. A lone take
 * waits for nothing but the end of the current turn. Every batch is bounded by `timeoutMs` from
 * its first take, by one watchdog timer shared by the batches in flight (a timer per batch cost
 * more than the rest of the batching on a busy proxy, bench/); on timeout or a failed command
 * every take in it rejects, and a late reply is ignored.
 */
export function createTakeBatcher(client: RedisLike, timeoutMs: number): (take: TakeArgs) => Promise<TakeResult> {
  let open: Batch | undefined;

  const fail = (batch: Batch, error: unknown) => {
    if (open === batch) open = undefined; // later takes start a batch of their own
    if (batch.settled) return;
    batch.settled = true;
    watch.settled();
    for (const pending of batch.takes) pending.reject(error);
  };
  const watch = createDeadlineWatch<Batch>(timeoutMs, (batch) => !batch.settled, (batch) => fail(batch, new Error(`[outpost] [storage-redis] takeTokens timed out after ${timeoutMs} ms`)));

  const send = (batch: Batch) => {
    if (open === batch) open = undefined;
    // Timed out before it could be sent (a stalled event loop): its requests were answered, so
    // take nothing on their behalf.
    if (batch.settled) return;
    const keys: string[] = [];
    const args: (number | string)[] = [batch.takes.length];
    for (const { take } of batch.takes) {
      for (const key of take.keys) keys.push(key);
      args.push(take.args);
    }
    // Both outcomes are handled here, and settling a take cannot throw: nothing is left floating.
    void runScript(client, TAKE_TOKENS_SCRIPT, keys, args).then(
      (reply) => {
        if (batch.settled) return;
        if (!Array.isArray(reply) || reply.length !== batch.takes.length) {
          return fail(batch, new Error("[outpost] [storage-redis] takeTokens: unexpected reply from the take-tokens script"));
        }
        batch.settled = true;
        watch.settled();
        for (let i = 0; i < reply.length; i++) settle(batch.takes[i] as Pending, reply[i]);
      },
      (error: unknown) => fail(batch, error),
    );
  };

  return (take) =>
    new Promise<TakeResult>((resolve, reject) => {
      if (!open || open.takes.length >= MAX_TAKES_PER_BATCH) {
        const batch: Batch = { takes: [], settled: false };
        watch.add(batch);
        setImmediate(send, batch);
        open = batch;
      }
      open.takes.push({ take, resolve, reject });
    });
}

// --- Internal helpers ---

/** One take's reply: see the script's header in lua.ts. */
function settle(pending: Pending, reply: unknown): void {
  const [ok, value, gated] = reply as [number, number | string | undefined, number | undefined];
  if (ok === 1) pending.resolve({ ok: true });
  else if (ok === -1) pending.reject(new Error(`[outpost] [storage-redis] takeTokens failed: ${String(value)}`));
  else if (gated === 1) pending.resolve({ ok: false, retryAfterMs: value as number, gated: true });
  else pending.resolve({ ok: false, retryAfterMs: value === -1 ? Number.POSITIVE_INFINITY : (value as number) });
}
