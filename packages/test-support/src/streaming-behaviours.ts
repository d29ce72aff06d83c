import { type BehaviourContext, intParam } from "./behaviour-context.js";

// Behaviours whose point is *when* bytes are written. Each stops its timers or pump when the
// response closes, so a client (or the proxy) hanging up never leaves work running after a test.

/**
 * Writes the received credential in two chunks 50 ms apart, so a scrubber that only looks inside
 * single chunks lets it through (invariant 1, "split across chunks"). Falls back to the raw URL for
 * credentials injected into the query. Written as latin1 bytes: exactly the bytes received.
 */
export function splitSecret({ res, rec }: BehaviourContext): void {
  const value = rec.headers["authorization"]?.[0] ?? rec.headers["x-api-key"]?.[0] ?? rec.headers["x-custom-key"]?.[0] ?? rec.url;
  const bytes = Buffer.from(value, "latin1");
  const mid = Math.floor(bytes.length / 2);
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.write(bytes.subarray(0, mid));
  const timer = setTimeout(() => res.end(bytes.subarray(mid)), 50);
  res.on("close", () => clearTimeout(timer));
}

// One shared 64 KiB chunk of printable ASCII: cheap to stream, and a visible pattern in dumps.
const HUGE_CHUNK = Buffer.alloc(64 * 1024, "outpost-huge-body-0123456789\n");

/**
 * Streams `?bytes=N` (default 100 MiB) without Content-Length, honouring backpressure, so tests
 * can show the proxy streams rather than buffers and stops reading when the client goes away.
 */
export function huge({ res, query }: BehaviourContext): void {
  const total = intParam(query, "bytes", 100 * 1024 * 1024);
  let sent = 0;
  let closed = false;
  res.on("close", () => (closed = true));
  res.writeHead(200, { "Content-Type": "application/octet-stream" });
  const pump = (): void => {
    while (!closed && sent < total) {
      const n = Math.min(HUGE_CHUNK.length, total - sent);
      sent += n;
      if (!res.write(n === HUGE_CHUNK.length ? HUGE_CHUNK : HUGE_CHUNK.subarray(0, n))) {
        res.once("drain", pump);
        return;
      }
    }
    if (!closed) res.end();
  };
  pump();
}

/**
 * Server-sent events: headers are flushed at once, then `?n=` events (default 20) each `?gap=` ms
 * (default 50) after the previous, the first one `gap` after the headers. The write time of each
 * event goes into `rec.sseSentAt`, so a test can prove event 1 reached the client before event 3
 * was even written, i.e. the proxy relays event by event instead of buffering.
 */
export function sse({ res, rec, query }: BehaviourContext): void {
  const n = intParam(query, "n", 20);
  const gap = intParam(query, "gap", 50);
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  res.flushHeaders();
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = (): void => {
    i += 1;
    rec.sseSentAt.push(Date.now());
    res.write(`id: ${i}\ndata: {"i":${i}}\n\n`);
    if (i >= n) res.end();
    else timer = setTimeout(next, gap);
  };
  res.on("close", () => clearTimeout(timer));
  if (n === 0) res.end();
  else timer = setTimeout(next, gap);
}
