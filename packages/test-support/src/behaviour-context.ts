import type { IncomingMessage, ServerResponse } from "node:http";
import type { RecordedRequest } from "./recorded-request.js";

/** What one upstream behaviour gets: the live exchange, its record and the parsed query. */
export interface BehaviourContext {
  req: IncomingMessage;
  res: ServerResponse;
  rec: RecordedRequest;
  /** Parsed from the raw target only to read knobs (`?bytes=`, `?ra=`…); never used to pick a behaviour. */
  query: URLSearchParams;
  /** Origin the redirect behaviours point at when the request has no `?to=`. */
  evilUrl: string | undefined;
}

/** Reads a non-negative integer knob from the query, falling back when absent or malformed. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": body.length });
  res.end(body);
}
