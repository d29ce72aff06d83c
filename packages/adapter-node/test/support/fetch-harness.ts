import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway, type Gateway, loadConfig, secretsFromRecord } from "@outpost/core";
import type { ProxyConfigTexts, ProxyUnderTest, ScenarioHarness } from "@outpost/core/testing";
import { createLineSink, rawRequest } from "@outpost/test-support";
import { createJsonLogger } from "../../src/index.js";
import { nodeHarness, nodeRequest } from "./node-harness.js";

/**
 * Serves `gateway.fetch` (the Web entry Workers use) from a bare Node server, with Node's global
 * `fetch` as the upstream client: the same scenarios then prove the Fetch data path too.
 */
async function serveFetch(gateway: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
  let request: Request;
  try {
    request = new Request("http://proxy/", {
      method: req.method,
      headers,
      body: hasBody ? (ReadableStream.from(req) as ReadableStream<Uint8Array>) : null,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    // A forbidden method (TRACE, CONNECT) cannot become a Fetch Request: the platform refuses it.
    res.writeHead(400, { "Content-Type": "text/plain", Connection: "close" }).end("bad request");
    return;
  }
  const response = await gateway.fetch(request, { clientAddress: req.socket.remoteAddress ?? "", rawTarget: req.url ?? "" });
  const out: string[] = [];
  response.headers.forEach((value, name) => out.push(name, value));
  res.writeHead(response.status, out);
  if (!response.body) return void res.end();
  res.flushHeaders();
  for await (const chunk of response.body) res.write(chunk);
  res.end();
}

export const fetchHarness: ScenarioHarness = {
  name: "core gateway.fetch (Web Request/Response, global fetch upstream)",
  startUpstreams: nodeHarness.startUpstreams,
  async startProxy(texts: ProxyConfigTexts): Promise<ProxyUnderTest> {
    const config = loadConfig({ providers: texts.providers, hosts: texts.hosts, secrets: secretsFromRecord(texts.secrets) });
    const sink = createLineSink();
    const gateway = createGateway(config, { logger: createJsonLogger({ write: sink.write, warn: sink.write }) });
    const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
      serveFetch(gateway, req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      request: (req) => nodeRequest(port, req),
      logLines: () => sink.lines,
      raw: async (data, from) => {
        const responses = await rawRequest({ port, data, localAddress: from, timeoutMs: 10_000 });
        return responses.filter((r) => r.status >= 200).map((r) => ({ status: r.status, body: r.text() }));
      },
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};
