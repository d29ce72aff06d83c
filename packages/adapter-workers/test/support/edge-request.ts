import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import type { ScenarioRequest, ScenarioResponse } from "@outpost/core/testing";

/**
 * What Cloudflare's edge adds before a Worker runs: `CF-Connecting-IP` is the client's address
 * (a value the client sent is overwritten) and that address is appended to `X-Forwarded-For`
 * (https://developers.cloudflare.com/fundamentals/reference/http-headers/).
 */
export function edgeHeaders(headers: ReadonlyArray<readonly [string, string]>, from: string): [string, string][] {
  const out: [string, string][] = headers.filter(([name]) => name.toLowerCase() !== "cf-connecting-ip").map(([n, v]) => [n, v]);
  const xff = out.filter(([name]) => name.toLowerCase() === "x-forwarded-for").map(([, value]) => value);
  const kept = out.filter(([name]) => name.toLowerCase() !== "x-forwarded-for");
  return [...kept, ["X-Forwarded-For", [...xff, from].join(", ")], ["CF-Connecting-IP", from]];
}

/**
 * One request over a real socket to workerd (Miniflare's listening address), so workerd's own
 * HTTP parser sees the exact target and header lines, as it would behind the edge. Header lines
 * are grouped like the Node harness does: a repeated name becomes repeated lines.
 */
export function socketRequest(base: URL, req: ScenarioRequest): Promise<ScenarioResponse> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const out = httpRequest({ host: base.hostname, port: base.port, method: req.method ?? "GET", path: req.target, agent: false });
    const grouped = new Map<string, string[]>();
    for (const [name, value] of edgeHeaders(req.headers ?? [], req.from ?? "127.0.0.1")) grouped.set(name, [...(grouped.get(name) ?? []), value]);
    for (const [name, values] of grouped) out.setHeader(name, values.length === 1 ? values[0]! : values);
    if (body) out.setHeader("Content-Length", body.length);
    out.on("response", (res) => {
      const headers = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      resolve({ status: res.statusCode ?? 0, headers, body: ReadableStream.from(res as Readable) as ReadableStream<Uint8Array> });
    });
    out.on("error", reject);
    out.end(body);
  });
}
