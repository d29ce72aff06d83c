import type { ErrorCode } from "../errors/codes.js";

/** Fields known about a request so far; filled in step by step, logged once (DESIGN §8). */
export interface RequestLogState {
  readonly requestId: string;
  readonly startedAt: number;
  method: string;
  client: string | undefined;
  host: string | undefined;
  provider: string | undefined;
  path: string | undefined;
  /** Query parameter names only: values may be tokens, ids or personal data. */
  queryKeys: string[] | undefined;
  category: string | undefined;
  sensitive: boolean | undefined;
  cache: string;
}

export interface RequestLogEnd {
  readonly status: number;
  readonly errorCode: ErrorCode | undefined;
  readonly endedAt: number;
  readonly upstreamMs: number | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export function queryKeys(rawQuery: string): string[] {
  if (rawQuery === "") return [];
  return rawQuery.split("&").map((part) => {
    const eq = part.indexOf("=");
    return (eq === -1 ? part : part.slice(0, eq)).slice(0, 64);
  });
}

// Formatting a Date costs about a microsecond; requests ending in the same millisecond (most of
// them, under load) share the text.
let lastTimeMs = Number.NaN;
let lastTimeText = "";

function isoTime(ms: number): string {
  if (ms !== lastTimeMs) {
    lastTimeText = new Date(ms).toISOString();
    lastTimeMs = ms;
  }
  return lastTimeText;
}

export function requestLogRecord(state: RequestLogState, end: RequestLogEnd): Record<string, unknown> {
  return {
    time: isoTime(end.endedAt),
    request_id: state.requestId,
    host: state.host ?? null,
    client: state.client ?? null,
    provider: state.provider ?? null,
    method: state.method,
    path: state.path ?? null,
    query_keys: state.queryKeys ?? [],
    status: end.status,
    error: end.errorCode ?? null,
    category: state.category ?? null,
    cache: state.cache,
    sensitive: state.sensitive ?? null,
    duration_ms: end.endedAt - state.startedAt,
    upstream_ms: end.upstreamMs ?? null,
    bytes_in: end.bytesIn,
    bytes_out: end.bytesOut,
  };
}
