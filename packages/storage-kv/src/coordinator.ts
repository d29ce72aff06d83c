import { type BucketState, type ReserveResult, type TakeResult, takeFromWindows } from "@outpost/core";
import type { DurableObjectStateLike } from "./internal/cf-types.js";
import { type CoordinatorOp, encodeTake } from "./internal/protocol.js";

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS outpost_entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, exp INTEGER)",
  "CREATE INDEX IF NOT EXISTS outpost_entries_exp ON outpost_entries (exp)",
];

interface Row {
  value: string;
  exp: number | null;
}

/**
 * The Durable Object behind `kvStorage` for everything that must be atomic or read back at once
 * (rate-limit buckets, cooldowns, idempotency, mint locks, stored tokens). Export it from the
 * Worker's entry and bind it as a SQLite-backed class (`new_sqlite_classes`).
 *
 * Atomicity: every operation runs synchronously against SQLite once its request body is read:
 * with no `await` in between, no other request to this object can interleave, so a reserve or a
 * multi-window take is all-or-nothing and no update is lost.
 *
 * Expiry is judged by this object's clock for stored entries (the backend's own time, like Redis)
 * and by the caller's `nowMs` for token math, as the `Storage` port specifies. Expired rows are
 * swept on every write, through an index, so storage never grows past the live entries plus one
 * write's worth.
 */
export class OutpostCoordinator {
  readonly #state: DurableObjectStateLike;

  constructor(state: DurableObjectStateLike, _env: unknown) {
    this.#state = state;
    for (const statement of SCHEMA) state.storage.sql.exec(statement);
  }

  async fetch(request: Request): Promise<Response> {
    const op = (await request.json()) as CoordinatorOp;
    return Response.json(this.#apply(op, Date.now()) ?? null);
  }

  #apply(op: CoordinatorOp, now: number): unknown {
    switch (op.op) {
      case "get":
        return this.#live(op.key, now)?.value;
      case "set":
        return this.#write(op.key, op.value, op.ttlMs ?? null, now);
      case "delete":
        return void this.#sql("DELETE FROM outpost_entries WHERE key = ?", op.key);
      case "reserve":
        return this.#reserve(op.key, op.value, op.ttlMs, now);
      case "take":
        return encodeTake(this.#take(op, now));
      case "ping":
        return "pong";
    }
  }

  #sql<T = Row>(query: string, ...bindings: unknown[]): T[] {
    return this.#state.storage.sql.exec<T>(query, ...bindings).toArray();
  }

  #live(key: string, now: number): Row | undefined {
    const [row] = this.#sql("SELECT value, exp FROM outpost_entries WHERE key = ?", key);
    return row && (row.exp === null || row.exp > now) ? row : undefined;
  }

  #write(key: string, value: string, ttlMs: number | null, now: number): void {
    this.#sql("DELETE FROM outpost_entries WHERE exp <= ?", now);
    // A TTL of zero or less is already expired: storing it would show it for a moment.
    if (ttlMs !== null && ttlMs <= 0) return void this.#sql("DELETE FROM outpost_entries WHERE key = ?", key);
    const exp = ttlMs === null ? null : now + Math.ceil(ttlMs);
    this.#sql(
      "INSERT INTO outpost_entries (key, value, exp) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, exp = excluded.exp",
      key,
      value,
      exp,
    );
  }

  #reserve(key: string, value: string, ttlMs: number | null, now: number): ReserveResult {
    const existing = this.#live(key, now);
    if (existing) return { reserved: false, existing: existing.value };
    this.#write(key, value, ttlMs, now);
    return { reserved: true };
  }

  /** The same math as every other storage (`takeFromWindows`), one row per window. */
  #take(op: Extract<CoordinatorOp, { op: "take" }>, now: number): TakeResult {
    const gate = op.gateKey === undefined ? undefined : Number(this.#live(op.gateKey, now)?.value);
    if (gate !== undefined && gate > op.nowMs) return { ok: false, retryAfterMs: Math.ceil(gate - op.nowMs), gated: true };
    const keys = op.windows.map((w) => `${op.key}:${w.windowMs}`);
    const states = keys.map((k) => {
      const row = this.#live(k, now);
      return row ? (JSON.parse(row.value) as BucketState) : undefined;
    });
    const { result, next } = takeFromWindows(states, op.windows, op.nowMs, op.cost);
    if (next) {
      // A bucket untouched for a whole window is full again, so its row may go after windowMs.
      this.#state.storage.transactionSync(() =>
        next.forEach((state, i) => this.#write(keys[i] as string, JSON.stringify(state), (op.windows[i] as { windowMs: number }).windowMs, now)),
      );
    }
    return result;
  }
}
