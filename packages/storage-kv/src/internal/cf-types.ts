/**
 * The few Workers runtime shapes this package touches, written structurally (R5) so the package
 * typechecks without the 500 KB of generated runtime types, and so tests can wrap a binding
 * (e.g. to count KV writes) without casts. The real bindings satisfy these types.
 */

/** The part of a `KVNamespace` binding that the storage uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A Durable Object stub: the classic `fetch` interface, which every DO class supports. */
export interface DurableObjectStubLike {
  fetch(input: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Response>;
}

/** The part of a `DurableObjectNamespace` binding that the storage uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  // Method syntax keeps the parameter bivariant, so the real `get(id: DurableObjectId)` fits.
  get(id: unknown): DurableObjectStubLike;
}

/** A cursor of rows from the SQLite storage API (`ctx.storage.sql.exec`). */
export interface SqlCursorLike<Row> {
  toArray(): Row[];
}

/** The SQLite-backed Durable Object state (`new_sqlite_classes`; the only kind on the free plan). */
export interface DurableObjectStateLike {
  readonly storage: {
    readonly sql: {
      exec<Row = Record<string, unknown>>(query: string, ...bindings: unknown[]): SqlCursorLike<Row>;
    };
    transactionSync<T>(closure: () => T): T;
  };
}
