/**
 * The fixed parts of Outpost's OpenAPI document: the error envelope, the proxy's own response
 * headers and the management endpoints (DESIGN §3, §6). Nothing here depends on secrets.
 */
import { ERROR_CODE_TO_STATUS, type ErrorCode } from "../errors/codes.js";

export type Json = Record<string, unknown>;

/** Statuses an operation may document; the others (405, 431, 500) are not per-operation. */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 422, 429, 502, 503, 504] as const;

export const PSK_SCHEME = "outpostPsk";
export const MANAGEMENT_TAG = "Outpost"; // capitalised: provider names are lower case, so no tag collides

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
const header = (name: string) => ref("headers", name);

/** Every code, from the one table, so the schema can never fall behind codes.ts. */
const ALL_CODES = Object.keys(ERROR_CODE_TO_STATUS) as ErrorCode[];
const codesFor = (status: number) => ALL_CODES.filter((c) => ERROR_CODE_TO_STATUS[c] === status);

const ERROR_ENVELOPE: Json = {
  type: "object",
  description: "Every error produced by the proxy itself (never by the upstream) has this shape.",
  required: ["status", "error"],
  properties: {
    status: { const: "FAILURE" },
    error: {
      type: "object",
      required: ["code", "message", "metadata"],
      properties: {
        code: { type: "string", enum: ALL_CODES },
        message: { type: "string" },
        metadata: { type: ["object", "null"], description: "e.g. `available` providers, `retry_after` seconds" },
      },
    },
  },
};

function errorResponse(status: number): Json {
  const headers: Json = { "X-Request-Id": header("X-Request-Id") };
  if (status === 429) headers["Retry-After"] = header("Retry-After");
  if (status === 401) headers["WWW-Authenticate"] = { schema: { type: "string" }, description: "Names the X-Outpost-Auth header" };
  return {
    description: `Proxy error: ${codesFor(status).join(", ")}`,
    headers,
    content: { "application/json": { schema: ref("schemas", "ErrorEnvelope") } },
  };
}

export function errorRef(status: number): Json {
  return ref("responses", `Error${status}`);
}

export function components(hasPsk: boolean): Json {
  const responses: Json = {
    Upstream: {
      description: "The provider's own response: status, headers (minus hop-by-hop and credential-bearing ones) and body, passed through",
      headers: { "X-Proxy-Provider": header("X-Proxy-Provider"), "X-Proxy-Cache": header("X-Proxy-Cache"), "X-Request-Id": header("X-Request-Id") },
    },
  };
  for (const status of ERROR_STATUSES) responses[`Error${status}`] = errorResponse(status);
  return {
    schemas: { ErrorEnvelope: ERROR_ENVELOPE },
    responses,
    headers: {
      "X-Proxy-Provider": { description: "The provider that answered", schema: { type: "string" } },
      "X-Proxy-Cache": { description: "Whether the proxy answered from its cache", schema: { type: "string", enum: ["HIT", "MISS", "BYPASS", "IDEMPOTENT-HIT"] } },
      "X-Request-Id": { description: "The proxy's id for this request, also in its log line", schema: { type: "string" } },
      "Retry-After": { description: "Seconds to wait before retrying (rounded up)", schema: { type: "integer", minimum: 0 } },
    },
    parameters: {
      IdempotencyKey: {
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "Replays the first completed answer for 24 h instead of repeating the call; also forwarded upstream",
        schema: { type: "string", minLength: 1 },
      },
    },
    ...(hasPsk ? { securitySchemes: { [PSK_SCHEME]: { type: "apiKey", in: "header", name: "X-Outpost-Auth", description: "This host's pre-shared key" } } } : {}),
  };
}

const jsonBody = (description: string, schema: Json): Json => ({ description, content: { "application/json": { schema } } });

/** Management answers need a matching host (403) and its PSK (401) except liveness and readiness. */
function guarded(hasPsk: boolean): Json {
  return { ...(hasPsk ? { 401: errorRef(401) } : {}), 403: errorRef(403) };
}

export function managementPaths(hasPsk: boolean): Record<string, Json> {
  const op = (id: string, summary: string, responses: Json, open = false): Json => ({
    get: { operationId: `outpost_${id}`, summary, tags: [MANAGEMENT_TAG], ...(open ? { security: [] } : {}), responses },
  });
  const provider = {
    type: "object",
    required: ["name", "base_url", "mode", "auth_type"],
    properties: {
      name: { type: "string" },
      description: { type: ["string", "null"] },
      base_url: { type: "string" },
      mode: { type: "string", enum: ["transparent", "allowlist"] },
      auth_type: { type: "string" },
    },
  };
  return {
    "/healthz": op("healthz", "Liveness", { 200: jsonBody("Alive", { type: "object", properties: { status: { const: "ok" } } }) }, true),
    "/readyz": op("readyz", "Readiness: storage answers", { 200: { description: "Ready" }, 503: { description: "Storage does not answer" } }, true),
    "/providers": op("providers", "Providers this host may use", {
      200: jsonBody("Granted providers (never secrets)", { type: "object", properties: { host: { type: "string" }, providers: { type: "array", items: provider } } }),
      ...guarded(hasPsk),
    }),
    "/openapi.json": op("openapi", "This document", { 200: jsonBody("OpenAPI 3.1 document for this host", { type: "object" }), ...guarded(hasPsk) }),
    "/docs": op("docs", "Swagger UI for this document", { 200: { description: "HTML page", content: { "text/html": { schema: { type: "string" } } } }, ...guarded(hasPsk) }),
  };
}
