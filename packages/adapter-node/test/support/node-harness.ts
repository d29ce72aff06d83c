import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { loadConfig, secretsFromRecord, type Storage } from "@outpost/core";
import type { ProxyConfigTexts, ProxyUnderTest, ScenarioHarness, ScenarioRequest, ScenarioResponse } from "@outpost/core/testing";
import { createLineSink, rawRequest, startLoopbackUpstreams } from "@outpost/test-support";
import { createJsonLogger, startServer } from "../../src/index.js";

/** One request with exact target and header lines, from a chosen loopback source address. */
export function nodeRequest(port: number, req: ScenarioRequest): Promise<ScenarioResponse> {
  return new Promise((resolve, reject) => {
    const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body ? Buffer.from(req.body) : undefined;
    const out = httpRequest({
      host: "127.0.0.1",
      port,
      method: req.method ?? "GET",
      path: req.target,
      localAddress: req.from,
      agent: false,
      setHost: true,
    });
    // Repeated names become repeated lines, which is what duplicate-header scenarios need.
    const grouped = new Map<string, string[]>();
    for (const [name, value] of req.headers ?? []) grouped.set(name, [...(grouped.get(name) ?? []), value]);
    for (const [name, values] of grouped) out.setHeader(name, values.length === 1 ? values[0]! : values);
    if (body) out.setHeader("Content-Length", body.length);
    out.on("response", (res) => {
      const headers = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const stream = ReadableStream.from(res as Readable) as ReadableStream<Uint8Array>;
      resolve({ status: res.statusCode ?? 0, headers, body: stream });
    });
    out.on("error", reject);
    out.end(body);
  });
}

/** The Node server over a given storage (in-memory by default, or a Redis per run). */
export function createNodeHarness(name: string, storage?: () => Promise<{ storage: Storage; close(): Promise<void> }>): ScenarioHarness {
  return {
    ...nodeHarness,
    name,
    async startProxy(texts) {
      const store = await storage?.();
      const proxy = await startNodeProxy(texts, store?.storage);
      return { ...proxy, stop: async () => (await proxy.stop(), await store?.close()) };
    },
  };
}

async function startNodeProxy(texts: ProxyConfigTexts, storage: Storage | undefined): Promise<ProxyUnderTest> {
  const config = loadConfig({
    providers: texts.providers,
    hosts: texts.hosts,
    secrets: secretsFromRecord(texts.secrets),
    trustedProxies: texts.trustedProxies,
    defaultProvider: texts.defaultProvider,
  });
  const sink = createLineSink();
  const logger = createJsonLogger({ write: (line) => sink.write(line), warn: (line) => sink.write(line) });
  const running = await startServer({ config, port: 0, logger, ...(storage ? { storage } : {}) });
  return {
    request: (req) => nodeRequest(running.port, req),
    logLines: () => sink.lines,
    raw: async (data, from) => {
      const responses = await rawRequest({ port: running.port, data, localAddress: from, timeoutMs: 10_000 });
      return responses.filter((r) => r.status >= 200).map((r) => ({ status: r.status, body: r.text() }));
    },
    stop: () => running.close(1000),
  };
}

export const nodeHarness: ScenarioHarness = {
  name: "Node (outpost server on a random port)",
  startUpstreams: startLoopbackUpstreams,
  startProxy: (texts: ProxyConfigTexts) => startNodeProxy(texts, undefined),
};
