import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CompiledConfig, type Gateway, type Logger, memoryStorage, type Storage } from "@outpost/core";
import { createNodeGateway } from "./node-gateway.js";
import { createOutpostHandler, type OutpostHandler } from "./handler.js";
import { createJsonLogger } from "./json-logger.js";
import { createBatchedWriter } from "./line-writer.js";
import { createOutpostMetrics, type OutpostMetrics } from "./metrics.js";
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
  /**
   * Prometheus metrics at `GET /metrics` (gated like `/providers`); `false` serves none.
   * @default createOutpostMetrics()
   */
  readonly metrics?: OutpostMetrics | false;
}

export interface RunningServer {
  readonly server: Server;
  readonly handler: OutpostHandler;
  readonly url: string;
  readonly port: number;
  /** Undefined when started with `metrics: false`. */
  readonly metrics: OutpostMetrics | undefined;
  /**
   * Swaps in a new, already validated configuration: the whole gateway is built first (throws,
   * changing nothing, if it cannot be), then one reference changes. Requests in flight finish on
   * the configuration they started with; storage, metrics and upstream pools are kept.
   */
  reload(config: CompiledConfig): void;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/** The standalone Outpost server: the handler plus the limits of DESIGN §4.2. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Created once and shared by every configuration: reloads keep rate-limit state, cached tokens and counters.
  const storage = options.storage ?? memoryStorage();
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createOutpostMetrics());
  const write = options.logger ? undefined : createBatchedWriter((chunk) => process.stdout.write(chunk));
  const build = (config: CompiledConfig): Gateway => {
    // A new configuration may name new secrets: the log scrubs exactly the current ones.
    const logger = options.logger ?? createJsonLogger({ secrets: config.secretValues, ...(write ? { write } : {}) });
    return createNodeGateway(config, { logger, storage, metrics });
  };
  const handler = createOutpostHandler({ gateway: build(options.config) });
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
    metrics,
    reload: (config) => handler.swap(build(config)),
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
