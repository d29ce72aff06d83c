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

// Formatting a Date costs about a microsecond: the text up to the seconds is formatted once per
// second and the milliseconds appended ("2026-11-29T03:40:57" + ".123Z", RFC 3339 as toISOString).
let secondStart = Number.NaN;
let secondText = "";

export function isoTime(time: number): string {
  const ms = Math.floor(time);
  const second = ms - (((ms % 1000) + 1000) % 1000);
  if (second !== secondStart) {
    secondText = new Date(second).toISOString().slice(0, 19);
    secondStart = second;
  }
  const millis = ms - second;
  return `${secondText}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
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
