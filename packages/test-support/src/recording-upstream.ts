import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { headerMap, type RecordedRequest } from "./recorded-request.js";
import { behaviourFor, queryOf } from "./upstream-behaviours.js";

export interface RecordingUpstreamOptions {
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** Origin (e.g. the evil origin's `url`) that `redirect-cross`/`redirect-307` point at. */
  evilUrl?: string;
}

export interface RecordingUpstream {
  /** `http://HOST:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Every request whose body was fully read, in arrival order. The same array for the whole life. */
  readonly requests: RecordedRequest[];
  /** Redirect target when the request has no `?to=`; settable, so E can be started after U. */
  evilUrl: string | undefined;
  /** Forgets recorded requests (empties `requests` in place). */
  clear(): void;
  /** Resolves with a snapshot once at least `n` requests are recorded; rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening and destroys every open socket, including `hang`ing and streaming ones. */
  close(): Promise<void>;
}

/**
 * The recording upstream **U** (security-cases.md, "Test fixture"): a plain `node:http` server that
 * records each request exactly as received, then answers according to the last path segment.
 */
export async function startRecordingUpstream(opts: RecordingUpstreamOptions = {}): Promise<RecordingUpstream> {
  const host = opts.host ?? "127.0.0.1";
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();

  // requireHostHeader off and a generous header limit: U must record whatever the proxy forwards,
  // not reject it itself and so hide what was sent.
  const server = createServer({ requireHostHeader: false, maxHeaderSize: 64 * 1024 }, (req, res) => {
    // Without these, a client hanging up mid-exchange would surface as an unhandled 'error'.
    req.on("error", () => {});
    res.on("error", () => {});
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = req.url ?? "";
      const rec: RecordedRequest = {
        method: req.method ?? "",
        url,
        rawHeaders: [...req.rawHeaders],
        headers: headerMap(req.rawHeaders),
        body: new Uint8Array(Buffer.concat(chunks)),
        receivedAt: Date.now(),
        remoteAddress: req.socket.remoteAddress,
        sseSentAt: [],
      };
      // Recorded before answering, so even `hang` requests are visible to the test.
      requests.push(rec);
      for (const wake of [...waiters]) wake();
      try {
        behaviourFor(url)({ req, res, rec, query: queryOf(url), evilUrl: upstream.evilUrl });
      } catch (err) {
        // e.g. a `?to=` with CR/LF that Node refuses as a header: answer 500 rather than crash the test run.
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { "Content-Type": "text/plain" }).end(`fixture error: ${(err as Error).message}`);
      }
    });
  });
  // Tracked so close() can end keep-alive, hung and streaming connections instead of waiting on them.
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  const upstream: RecordingUpstream = {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    requests,
    evilUrl: opts.evilUrl,
    clear: () => void requests.splice(0, requests.length),
    waitForRequests: (n, timeoutMs = 2000) =>
      new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = (): void => {
          if (requests.length < n) return;
          done();
          resolve([...requests]);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`waitForRequests: wanted ${n} request(s), got ${requests.length} in ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
  return upstream;
}

/** Loopback address of the evil origin **E**; Linux routes all of 127/8 to lo. */
export const EVIL_HOST = "127.0.0.66";

/**
 * The evil origin **E**: a recording upstream on 127.0.0.66. Credentials must never reach it, so
 * tests assert `requests` stays empty (case E0).
 */
export function startEvilOrigin(opts: { host?: string } = {}): Promise<RecordingUpstream> {
  return startRecordingUpstream({ host: opts.host ?? EVIL_HOST });
}
