/** One HTTP/1.x response as it came off the wire. */
export interface RawResponse {
  httpVersion: string;
  status: number;
  statusText: string;
  /** Header pairs in received order and case; duplicates kept. */
  headers: [string, string][];
  /** Trailer fields of a chunked body (usually none). */
  trailers: [string, string][];
  /** False when the connection ended before the body did (a truncated relay). */
  complete: boolean;
  /** Every value of `name` (case-insensitive) joined with ", ", as `Headers.get` does; undefined if absent. */
  header(name: string): string | undefined;
  /** The de-chunked body bytes (still content-encoded, e.g. gzip). */
  body: Uint8Array;
  text(): string;
  json(): unknown;
}

type Framing = "none" | "length" | "chunked" | "close";
type ChunkState = "size" | "data" | "data-crlf" | "trailers";

interface Pending {
  httpVersion: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  trailers: [string, string][];
  framing: Framing;
  remaining: number;
  chunkState: ChunkState;
  body: Buffer[];
}

const CRLF = "\r\n";
// A response head larger than this is a runaway, not a response; fail rather than buffer forever.
const MAX_HEAD_BYTES = 1024 * 1024;

function makeResponse(p: Pending, complete: boolean): RawResponse {
  const body = new Uint8Array(Buffer.concat(p.body));
  const { httpVersion, status, statusText, headers, trailers } = p;
  return {
    httpVersion, status, statusText, headers, trailers, complete, body,
    header(name) {
      const lower = name.toLowerCase();
      const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
      return values.length > 0 ? values.join(", ") : undefined;
    },
    text: () => new TextDecoder().decode(body),
    json(): unknown {
      return JSON.parse(new TextDecoder().decode(body));
    },
  };
}

function parseFields(lines: string[]): [string, string][] {
  return lines.map((line) => {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`raw client: malformed header line ${JSON.stringify(line)}`);
    return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string];
  });
}

/**
 * Incremental HTTP/1.x response parser, written by hand because Node's own client would hide exactly
 * what these tests look at: pipelining, framing, duplicate headers and who closed the connection.
 * A response's framing cannot tell whether it answers HEAD, so the caller says so per final response.
 */
export class ResponseParser {
  readonly responses: RawResponse[] = [];
  /** Responses other than 1xx interim ones, i.e. one per request answered. */
  finalCount = 0;
  private buf: Buffer = Buffer.alloc(0);
  private cur: Pending | undefined;

  constructor(private readonly answersHead: (finalIndex: number) => boolean = () => false) {}

  /** True between responses with nothing buffered: a safe point to stop reading. */
  get idle(): boolean {
    return this.cur === undefined && this.buf.length === 0;
  }

  push(chunk: Uint8Array): void {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    while (this.step());
  }

  /** The connection ended: a close-delimited body is now complete, anything else is truncated. */
  end(): void {
    if (!this.cur) return;
    this.finish(this.cur.framing === "close");
  }

  private step(): boolean {
    const cur = this.cur;
    if (!cur) return this.readHead();
    if (cur.framing === "none") return this.finish(true);
    if (cur.framing === "close") {
      // The body runs until the connection ends; move bytes along as they come (no re-buffering).
      if (this.buf.length > 0) cur.body.push(this.buf);
      this.buf = Buffer.alloc(0);
      return false;
    }
    if (cur.framing === "length") {
      if (this.buf.length === 0) return false;
      this.take(cur, Math.min(cur.remaining, this.buf.length));
      return cur.remaining === 0 ? this.finish(true) : false;
    }
    return this.stepChunked(cur);
  }

  private readHead(): boolean {
    const end = this.buf.indexOf(CRLF + CRLF);
    if (end < 0) {
      if (this.buf.length > MAX_HEAD_BYTES) throw new Error("raw client: response head too large");
      return false;
    }
    const [statusLine = "", ...lines] = this.buf.subarray(0, end).toString("latin1").split(CRLF);
    this.buf = this.buf.subarray(end + 4);
    const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!m) throw new Error(`raw client: bad status line ${JSON.stringify(statusLine)}`);
    const status = Number(m[2]);
    const headers = parseFields(lines);
    this.cur = {
      httpVersion: m[1] as string, status, statusText: m[3] ?? "", headers, trailers: [],
      framing: "none", remaining: 0, chunkState: "size", body: [],
    };
    this.frame(this.cur);
    return true;
  }

  /** RFC 9112 §6.3 message-length rules, as seen from the client side. */
  private frame(p: Pending): void {
    const values = (name: string): string[] => p.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    if (p.status === 101) p.framing = "close"; // the rest is another protocol: keep it as the body
    else if (p.status < 200 || p.status === 204 || p.status === 304) p.framing = "none";
    else if (this.answersHead(this.finalCount)) p.framing = "none";
    else if (values("transfer-encoding").length > 0) {
      const codings = values("transfer-encoding").join(",").split(",").map((c) => c.trim().toLowerCase());
      p.framing = codings[codings.length - 1] === "chunked" ? "chunked" : "close";
    } else if (values("content-length").length > 0) {
      const lengths = new Set(values("content-length").flatMap((v) => v.split(",").map((x) => x.trim())));
      const [only] = lengths;
      if (lengths.size !== 1 || !/^\d+$/.test(only ?? "")) throw new Error(`raw client: bad Content-Length`);
      p.remaining = Number(only);
      p.framing = p.remaining === 0 ? "none" : "length";
    } else p.framing = "close";
  }

  private stepChunked(cur: Pending): boolean {
    if (cur.chunkState === "data") {
      if (this.buf.length === 0) return false;
      this.take(cur, Math.min(cur.remaining, this.buf.length));
      if (cur.remaining === 0) cur.chunkState = "data-crlf";
      return true;
    }
    if (cur.chunkState === "data-crlf") {
      if (this.buf.length < 2) return false;
      if (this.buf.toString("latin1", 0, 2) !== CRLF) throw new Error("raw client: chunk not followed by CRLF");
      this.buf = this.buf.subarray(2);
      cur.chunkState = "size";
      return true;
    }
    const eol = this.buf.indexOf(CRLF);
    if (eol < 0) return false;
    const line = this.buf.toString("latin1", 0, eol);
    this.buf = this.buf.subarray(eol + 2);
    if (cur.chunkState === "trailers") {
      if (line === "") return this.finish(true);
      cur.trailers.push(...parseFields([line]));
      return true;
    }
    const size = (line.split(";")[0] ?? "").trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error(`raw client: bad chunk size ${JSON.stringify(line)}`);
    cur.remaining = parseInt(size, 16);
    cur.chunkState = cur.remaining === 0 ? "trailers" : "data";
    return true;
  }

  private take(cur: Pending, n: number): void {
    cur.body.push(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    cur.remaining -= n;
  }

  private finish(complete: boolean): boolean {
    const cur = this.cur as Pending;
    this.responses.push(makeResponse(cur, complete));
    if (cur.status >= 200 || cur.status === 101) this.finalCount += 1;
    this.cur = undefined;
    return true;
  }
}
