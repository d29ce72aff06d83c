import { gzipSync } from "node:zlib";
import { type BehaviourContext, intParam, sendJson } from "./behaviour-context.js";
import { binaryBody } from "./binary-body.js";
import { headerPairs } from "./recorded-request.js";
import { huge, splitSecret, sse } from "./streaming-behaviours.js";

type Behaviour = (ctx: BehaviourContext) => void;

/** `echo`: everything received, as JSON, with header pairs in received order and case. */
function echo({ res, rec }: BehaviourContext): void {
  sendJson(res, 200, {
    method: rec.method,
    url: rec.url,
    headers: headerPairs(rec.rawHeaders),
    bodyBase64: Buffer.from(rec.body).toString("base64"),
  });
}

/**
 * `echo-secret`: reflects every header, the raw URL and the decoded Basic credential into the body
 * and the Authorization value into a response header: the worst an upstream can do to a proxy that
 * must scrub credentials from answers (invariant 1).
 */
function echoSecret({ res, rec }: BehaviourContext): void {
  const lines = headerPairs(rec.rawHeaders).map(([name, value]) => `${name}: ${value}`);
  lines.push(`url: ${rec.url}`);
  const auth = rec.headers["authorization"]?.[0];
  const basic = auth ? /^basic\s+(\S+)/i.exec(auth)?.[1] : undefined;
  if (basic) lines.push(`basic: ${Buffer.from(basic, "base64").toString("latin1")}`);
  const body = Buffer.from(`${lines.join("\n")}\n`, "latin1");
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  if (auth !== undefined) res.setHeader("X-Echo-Authorization", auth);
  res.writeHead(200);
  res.end(body);
}

/** Redirect to the evil origin: a proxy that follows it would hand the credential to E (invariant 2). */
function redirectTo(status: number): Behaviour {
  return ({ res, query, evilUrl }) => {
    const target = query.get("to") ?? evilUrl;
    if (!target) return sendJson(res, 500, { error: "redirect behaviour needs evilUrl or ?to=" });
    const location = `${target.replace(/\/+$/, "")}/steal`;
    res.writeHead(status, { Location: location, "Content-Type": "application/json" });
    res.end(JSON.stringify({ redirect: location }));
  };
}

/**
 * `set-cookie`: every response header the proxy must drop: cookies and auth challenges, imitations
 * of the proxy's own headers, and hop-by-hop headers including one nominated by `Connection`.
 */
function setCookie({ res }: BehaviourContext): void {
  const body = '{"ok":true}';
  // A flat [name, value, name, value…] list: Node then sends each pair verbatim, in this order.
  res.writeHead(200, [
    "Content-Type", "application/json",
    "Content-Length", String(body.length),
    "Set-Cookie", "session=abc",
    "Set-Cookie2", "x=1",
    "Authentication-Info", "nextnonce=1",
    "Proxy-Authenticate", "Basic",
    "WWW-Authenticate", "Bearer",
    "X-Proxy-Provider", "spoofed",
    "X-Request-Id", "spoofed",
    "Connection", "x-hop",
    "X-Hop", "1",
    "Keep-Alive", "timeout=5",
  ]);
  res.end(body);
}

function binary({ res, query }: BehaviourContext): void {
  const body = binaryBody(intParam(query, "bytes", 1024 * 1024));
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
  res.end(body);
}

/** `echo-body`: the request body byte for byte, under the request's own content type. */
function echoBody({ res, rec }: BehaviourContext): void {
  const type = rec.headers["content-type"]?.[0];
  if (type !== undefined) res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", rec.body.length);
  res.writeHead(200);
  res.end(rec.body);
}

/** `429`: Retry-After is passed through as given (seconds, an HTTP date or garbage, on purpose). */
function tooMany({ res, query }: BehaviourContext): void {
  const ra = query.get("ra");
  if (ra !== null) res.setHeader("Retry-After", ra);
  sendJson(res, 429, { error: "rate limited" });
}

function status(code: number): Behaviour {
  return ({ res }) => {
    if (code === 204 || code === 304) {
      res.writeHead(code);
      res.end();
    } else sendJson(res, code, { status: code });
  };
}

function gzip({ res }: BehaviourContext): void {
  const body = gzipSync(JSON.stringify({ ok: true, encoding: "gzip" }));
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Encoding": "gzip",
    "Content-Length": body.length,
  });
  res.end(body);
}

/** `hang`: the request is already recorded; never answer. close() destroys the socket. */
function hang(): void {}

function ok({ res }: BehaviourContext): void {
  sendJson(res, 200, { ok: true });
}

const BY_SEGMENT: Record<string, Behaviour> = {
  echo,
  "echo-secret": echoSecret,
  "split-secret": splitSecret,
  "redirect-cross": redirectTo(302),
  "redirect-307": redirectTo(307),
  "set-cookie": setCookie,
  hang,
  huge,
  binary,
  "echo-body": echoBody,
  "429": tooMany,
  sse,
  gzip,
};

/**
 * Picks the behaviour from the LAST raw path segment (the query is ignored for choosing, so a
 * provider's base_url prefix and injected query parameters never change the behaviour).
 */
export function behaviourFor(rawUrl: string): Behaviour {
  const q = rawUrl.indexOf("?");
  const segments = (q < 0 ? rawUrl : rawUrl.slice(0, q)).split("/");
  const last = segments[segments.length - 1] ?? "";
  if (segments[segments.length - 2] === "status" && /^[2-5]\d\d$/.test(last)) return status(Number(last));
  return Object.hasOwn(BY_SEGMENT, last) ? (BY_SEGMENT[last] as Behaviour) : ok;
}

export function queryOf(rawUrl: string): URLSearchParams {
  const q = rawUrl.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
}
