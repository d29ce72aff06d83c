import { request } from "node:http";

export interface Fetched {
  status: number;
  rawHeaders: string[];
  header(name: string): string | undefined;
  body: Buffer;
  /** Epoch ms at which each body chunk arrived, with the chunk. */
  chunks: { at: number; data: Buffer }[];
  headersAt: number;
}

/**
 * A node:http client for tests: the path is sent as given (fetch would normalise `%2e%2e`) and
 * nothing is decompressed, so the fixture's bytes are seen exactly.
 */
export function httpGet(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string; path?: string } = {},
): Promise<Fetched> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: opts.method ?? "GET", path: opts.path ?? u.pathname + u.search, headers: opts.headers },
      (res) => {
        const headersAt = Date.now();
        const chunks: { at: number; data: Buffer }[] = [];
        res.on("data", (data: Buffer) => chunks.push({ at: Date.now(), data }));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(", ") : v;
            },
            body: Buffer.concat(chunks.map((c) => c.data)),
            chunks,
            headersAt,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}
