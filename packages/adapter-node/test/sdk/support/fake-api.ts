/**
 * A fake provider API for the SDK tests: a real `node:http` server on loopback that records every
 * request exactly as received, refuses any that lacks the real credential (with the API's own
 * error shape, so a wrong credential is an SDK error, not a silent pass), and lets each test answer
 * in the API's real response shape: JSON (gzip-compressed when the request accepts it, as the real
 * APIs do) or server-sent events written one event at a time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { headerMap } from "@outpost/test-support";

export interface ApiRequest {
  readonly method: string;
  /** Raw request target. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Names in received case, duplicates kept, in order. */
  readonly rawHeaders: readonly string[];
  /** Lower-cased name → every value. */
  readonly headers: Record<string, string[]>;
  readonly body: Uint8Array;
  readonly text: string;
  /** Whether the credential check passed (the handler only runs when it did). */
  readonly authorized: boolean;
}

/** The one value of a header, or undefined; fails the request if it was sent more than once. */
export function one(req: ApiRequest, name: string): string | undefined {
  const values = req.headers[name.toLowerCase()];
  if (values && values.length > 1) throw new Error(`header ${name} sent ${values.length} times`);
  return values?.[0];
}

export type Handler = (req: ApiRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeApiOptions {
  /** True when the request carries the real credential, exactly once. */
  readonly authorized: (req: ApiRequest) => boolean;
  /** Answers a request without it, in the API's own error shape. */
  readonly unauthorized: (req: ApiRequest, res: ServerResponse) => void;
  readonly handle: Handler;
}

export interface FakeApi {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request, authorized or not, in arrival order. */
  readonly requests: ApiRequest[];
  /** Replaces the handler (one fake API per file, one behaviour per test). */
  handle: Handler;
  clear(): void;
  close(): Promise<void>;
}

function toApiRequest(req: IncomingMessage, body: Buffer): Omit<ApiRequest, "authorized"> {
  const url = req.url ?? "";
  const parsed = new URL(url, "http://fake.invalid");
  return {
    method: req.method ?? "",
    url,
    path: parsed.pathname,
    query: parsed.searchParams,
    rawHeaders: [...req.rawHeaders],
    headers: headerMap(req.rawHeaders),
    body: new Uint8Array(body),
    text: body.toString("utf8"),
  };
}

export async function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const requests: ApiRequest[] = [];
  const sockets = new Set<Socket>();
  const api: FakeApi = {
    url: "",
    requests,
    handle: options.handle,
    clear: () => void requests.splice(0, requests.length),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  const server = createServer((req, res) => {
    req.on("error", () => {});
    res.on("error", () => {});
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const base = toApiRequest(req, Buffer.concat(chunks));
      let authorized = false;
      try {
        authorized = options.authorized({ ...base, authorized: false });
      } catch {
        // e.g. the credential header sent twice (`one` throws): not authorized.
      }
      const rec: ApiRequest = { ...base, authorized };
      requests.push(rec);
      if (!rec.authorized) return options.unauthorized(rec, res);
      Promise.resolve(api.handle(rec, res)).catch((error: unknown) => {
        if (res.headersSent) return res.destroy();
        res.writeHead(500, { "content-type": "text/plain" }).end(`fake API error: ${(error as Error).message}`);
      });
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  (api as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/**
 * A JSON answer the way the real APIs send it: gzip when the request's `Accept-Encoding` allows it
 * (TOOLCHAIN §6), identity otherwise. Returns the encoding used.
 */
export function sendJson(req: ApiRequest, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): "gzip" | "identity" {
  const bytes = Buffer.from(JSON.stringify(body));
  const gzip = /\bgzip\b/i.test(req.headers["accept-encoding"]?.join(",") ?? "");
  const payload = gzip ? gzipSync(bytes) : bytes;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    ...headers,
    ...(gzip ? { "content-encoding": "gzip", vary: "Accept-Encoding" } : {}),
    "content-length": String(payload.length),
  });
  res.end(payload);
  return gzip ? "gzip" : "identity";
}

export interface SseWriter {
  /** Writes one event (`event:` line when named, one `data:` line) and flushes it. */
  send(data: string, event?: string): void;
  end(): void;
}

/** Starts a `text/event-stream` answer, headers flushed at once, as the streaming APIs do. */
export function startSse(res: ServerResponse, headers: Record<string, string> = {}): SseWriter {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
  res.flushHeaders();
  return {
    send: (data, event) => void res.write(`${event ? `event: ${event}\n` : ""}data: ${data}\n\n`),
    end: () => void res.end(),
  };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A gate the test opens when the client has seen the first streamed event. The upstream waits on
 * it before sending the rest; a relay that buffered the stream would never open it, so after
 * `giveUpMs` the upstream carries on and `opened()` tells the test it was not opened in time.
 */
export function clientGate(giveUpMs = 5_000) {
  let open!: () => void;
  let wasOpened = false;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return {
    open: () => {
      wasOpened = true;
      open();
    },
    /** Resolves true when the client opened it, false when the upstream gave up waiting. */
    wait: () => Promise.race([promise.then(() => true), delay(giveUpMs).then(() => wasOpened)]),
    opened: () => wasOpened,
  };
}
