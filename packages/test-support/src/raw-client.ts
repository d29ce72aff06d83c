import { connect } from "node:net";
import { ResponseParser, type RawResponse } from "./http-response-parser.js";

export interface RawRequestOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Source address to bind, e.g. 127.0.0.11; the server sees it as the socket peer (invariant 5). */
  localAddress?: string;
  /** Written verbatim in one write. A string is sent as UTF-8; pass bytes for anything else. */
  data: string | Uint8Array;
  /** Overall limit; on expiry the promise rejects. Default 5000. */
  timeoutMs?: number;
  /** Quiet time after a complete response before concluding the server is done. Default 300. */
  idleMs?: number;
  /** Resolve as soon as this many final (non-1xx) responses are parsed, instead of waiting idleMs. */
  expectResponses?: number;
  /**
   * Indexes (0-based, counting final responses) of responses that answer HEAD and so carry no body
   * whatever their headers say. Default: [0] when `data` starts with "HEAD ", else none.
   */
  headRequests?: number[];
}

/** The parsed responses, plus how the connection ended. */
export type RawResponses = RawResponse[] & {
  /** The server closed (or reset) the connection before the client stopped reading. */
  closed: boolean;
  /** Every byte received, framing included. */
  raw: Uint8Array;
  /** Socket error code after connecting (e.g. ECONNRESET), if any. */
  error: string | undefined;
};

// After the expected count is reached, how long to keep listening for the server's FIN so that
// `closed` still says whether the server meant to close (Node sends it right after the response).
const CLOSE_GRACE_MS = 50;

/**
 * Sends exact bytes over a fresh TCP connection and parses whatever HTTP/1.x comes back. Resolves
 * when the server closes, when `expectResponses` have arrived, or when a complete response has
 * been followed by `idleMs` of silence. Rejects on connect errors, unparsable responses and timeout.
 */
export function rawRequest(opts: RawRequestOptions): Promise<RawResponses> {
  const { port, host = "127.0.0.1", localAddress, timeoutMs = 5000, idleMs = 300, expectResponses } = opts;
  const bytes = typeof opts.data === "string" ? Buffer.from(opts.data, "utf8") : Buffer.from(opts.data);
  const heads = new Set(opts.headRequests ?? (bytes.toString("latin1", 0, 5) === "HEAD " ? [0] : []));
  const parser = new ResponseParser((i) => heads.has(i));
  const received: Buffer[] = [];

  return new Promise<RawResponses>((resolve, reject) => {
    let settled = false;
    let connected = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    const overall = setTimeout(
      () => fail(new Error(`rawRequest: timed out after ${timeoutMs} ms with ${parser.responses.length} response(s)`)),
      timeoutMs,
    );
    const stop = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(overall);
      clearTimeout(idleTimer);
      socket.destroy();
      return true;
    };
    const fail = (err: unknown): void => {
      if (stop()) reject(err instanceof Error ? err : new Error(String(err)));
    };
    const finish = (closed: boolean, error?: string): void => {
      if (settled) return;
      // The server is gone: a close-delimited body is complete, anything else is marked incomplete.
      if (closed) parser.end();
      if (!stop()) return;
      const raw = new Uint8Array(Buffer.concat(received));
      resolve(Object.assign(parser.responses, { closed, raw, error }));
    };

    socket.on("connect", () => {
      connected = true;
      socket.write(bytes);
    });
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      try {
        parser.push(chunk);
      } catch (err) {
        return fail(err);
      }
      clearTimeout(idleTimer);
      if (expectResponses !== undefined) {
        if (parser.finalCount >= expectResponses) idleTimer = setTimeout(() => finish(false), CLOSE_GRACE_MS);
      } else if (parser.idle && parser.responses.length > 0) {
        idleTimer = setTimeout(() => finish(false), idleMs);
      }
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    // Before connecting an error is the test's problem (refused, bad localAddress); afterwards a reset
    // is an answer in itself (e.g. Node resetting after a 400), so report it instead of throwing.
    socket.on("error", (err: NodeJS.ErrnoException) => (connected ? finish(true, err.code ?? err.message) : fail(err)));
  });
}

export type RawHttpOptions = Omit<RawRequestOptions, "port" | "data"> & {
  /** Bytes after the blank line ending the head (set Content-Length yourself). */
  body?: string | Uint8Array;
};

/** Joins `lines` (request line and headers) with CRLF, ends the head with a blank line, sends it. */
export function rawHttp(port: number, lines: string[], opts: RawHttpOptions = {}): Promise<RawResponses> {
  const { body, ...rest } = opts;
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8");
  const tail = body === undefined ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  return rawRequest({ ...rest, port, data: Buffer.concat([head, tail]) });
}
