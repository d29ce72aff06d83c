import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CompiledConfig, Logger, Storage } from "@outpost/core";
import { createNodeGateway } from "./node-gateway.js";
import { createOutpostHandler, type OutpostHandler } from "./handler.js";
import { createJsonLogger } from "./json-logger.js";
import { hasBody } from "./request-info.js";

export interface ServerLimits {
  /** Request header bytes before 431. @default 16384 */
  readonly maxHeaderBytes: number;
  /** Time for a client to send its request headers, in ms. @default 10000 */
  readonly headerTimeoutMs: number;
  /** Longest pause while a client sends a body, in ms. @default 30000 */
  readonly bodyIdleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = { maxHeaderBytes: 16 * 1024, headerTimeoutMs: 10_000, bodyIdleTimeoutMs: 30_000 };

export interface StartOptions {
  readonly config: CompiledConfig;
  /** @default 8080 */
  readonly port?: number;
  /** @default "127.0.0.1": without a hosts file only loopback may call anyway (DESIGN §2.2). */
  readonly host?: string;
  readonly limits?: Partial<ServerLimits>;
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
  /** @default in-memory storage */
  readonly storage?: Storage;
}

export interface RunningServer {
  readonly server: Server;
  readonly handler: OutpostHandler;
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** The standalone Outpost server: the handler plus the limits of DESIGN §4.2. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? createJsonLogger({ secrets: options.config.secretValues });
  const gateway = createNodeGateway(options.config, { logger, storage: options.storage });
  const handler = createOutpostHandler({ gateway });
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headerTimeoutMs,
      // Node checks header deadlines only every connectionsCheckingInterval (30 s by default).
      connectionsCheckingInterval: Math.min(1_000, limits.headerTimeoutMs),
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      // An idle client body would otherwise hold an upstream connection forever (invariant 8).
      if (hasBody(req)) {
        // On the request, not the socket: a listener per request on a keep-alive socket would
        // pile up (and keep every request alive) until the connection closes.
        req.setTimeout(limits.bodyIdleTimeoutMs, () => req.socket.destroy());
        req.once("end", () => req.socket.setTimeout(0));
      }
      handler(req, res);
    },
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    handler,
    port: address.port,
    url: `http://${hostText}:${address.port}`,
    close: async (graceMs = 30_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last response ends; close each one then
      // rather than waiting out keepAliveTimeout.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      await handler.close();
    },
  };
}
