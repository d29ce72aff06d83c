import type { FetchLike } from "../../http/fetch-entry.js";
import { base64Encode, concatBytes } from "../../internal/bytes.js";
import type { Clock } from "../../ports/clock.js";

/** DESIGN §4.2: the token endpoint gets 10 s for the whole exchange, headers and body. */
export const TOKEN_ENDPOINT_TIMEOUT_MS = 10_000;
/** A token response is a few hundred bytes; a larger one is not read into memory (invariant 8). */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** RFC 6749 §5.1 makes `expires_in` optional; an hour is the common default. */
const DEFAULT_EXPIRES_IN_S = 3600;
/** RFC 6750 §2.1 b64token and the like: printable ASCII without spaces, so it can never split a header. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

export interface TokenRequest {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string | undefined;
  readonly audience: string | undefined;
  readonly authMethod: "client_secret_post" | "client_secret_basic";
}

export interface MintedToken {
  readonly accessToken: string;
  readonly expiresInS: number;
}

/**
 * A failed mint. Messages are fixed texts with at most a status code: never the response body
 * (an endpoint may echo the credentials), the client secret or a token.
 */
export class TokenEndpointError extends Error {
  override readonly name = "TokenEndpointError";
}

/** RFC 6749 §2.3.1: for Basic, id and secret are form-urlencoded before being joined by ":". */
const formEncode = (text: string) => new URLSearchParams([["", text]]).toString().slice(1);

function tokenRequest(req: TokenRequest, signal: AbortSignal): Request {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (req.scope !== undefined) form.set("scope", req.scope);
  if (req.audience !== undefined) form.set("audience", req.audience);
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" });
  if (req.authMethod === "client_secret_basic") {
    const pair = `${formEncode(req.clientId)}:${formEncode(req.clientSecret)}`;
    headers.set("Authorization", `Basic ${base64Encode(new TextEncoder().encode(pair))}`);
  } else {
    form.set("client_id", req.clientId);
    form.set("client_secret", req.clientSecret);
  }
  // SEC-132: a redirect is never followed, so the secret in this body goes to token_url and nowhere else.
  return new Request(req.tokenUrl, { method: "POST", headers, body: form.toString(), redirect: "manual", signal });
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_TOKEN_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {});
      throw new TokenEndpointError("oauth2 token response is too large");
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concatBytes(chunks, total));
}

function parseToken(text: string): MintedToken {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TokenEndpointError("oauth2 token response is not JSON");
  }
  const { access_token: token, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
  if (typeof token !== "string" || !TOKEN_CHARS.test(token)) throw new TokenEndpointError("oauth2 token response has no usable access_token");
  // Some endpoints send expires_in as a string ("3600").
  const seconds = typeof expiresIn === "number" || typeof expiresIn === "string" ? Number(expiresIn) : Number.NaN;
  return { accessToken: token, expiresInS: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_EXPIRES_IN_S };
}

async function exchange(fetch: FetchLike, req: TokenRequest, signal: AbortSignal): Promise<MintedToken> {
  let response: Response;
  try {
    response = await fetch(tokenRequest(req, signal));
  } catch {
    throw new TokenEndpointError("oauth2 token endpoint is unreachable");
  }
  // 3xx included (SEC-132): with redirect "manual" a redirect is an answer, and a failed mint.
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => {});
    throw new TokenEndpointError(`oauth2 token endpoint answered HTTP ${response.status}`);
  }
  return parseToken(await readBounded(response));
}

/**
 * One client-credentials grant (RFC 6749 §4.4). The timeout runs on the injected clock, so tests
 * can pass 10 s instantly; it aborts the exchange, which then fails as a mint.
 */
export async function requestToken(fetch: FetchLike, clock: Clock, req: TokenRequest): Promise<MintedToken> {
  const controller = new AbortController();
  const timeout = clock.sleep(TOKEN_ENDPOINT_TIMEOUT_MS).then((): never => {
    controller.abort();
    throw new TokenEndpointError("oauth2 token endpoint timed out");
  });
  // Once the exchange has won the race, the timer's later rejection means nothing.
  timeout.catch(() => {});
  return Promise.race([exchange(fetch, req, controller.signal), timeout]);
}
