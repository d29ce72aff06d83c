import { type CompiledConfig, type Gateway, type Logger, memoryStorage, type Storage } from "@outpost/core";
import { createNodeGateway } from "./node-gateway.js";
import { createOutpostHandler, type OutpostHandler } from "./handler.js";
import { createJsonLogger } from "./json-logger.js";
import { createBatchedWriter } from "./line-writer.js";
import { createOutpostMetrics, type OutpostMetrics } from "./metrics.js";
import { loadNodeConfig, type NodeConfigOptions } from "./node-config.js";

export interface CreateOutpostOptions extends NodeConfigOptions {
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
  /** @default in-memory storage */
  readonly storage?: Storage;
  /**
   * Prometheus metrics at `GET /metrics` below the mount point (gated like `/providers`);
   * `false` serves none. @default createOutpostMetrics()
   */
  readonly metrics?: OutpostMetrics | false;
}

export interface Outpost {
  readonly handler: OutpostHandler;
  /** The gateway deciding new requests (a new one after each `reload`). */
  readonly gateway: Gateway;
  readonly metrics: OutpostMetrics | undefined;
  /**
   * Reads the same files again, validates, and swaps the new configuration in; rejects with
   * `ConfigError`, changing nothing, when it is invalid. Requests in flight are not affected.
   */
  reload(): Promise<void>;
}

/**
 * For existing servers: validates the configuration (rejects with `ConfigError`) and returns a
 * handler to mount, e.g. `http.createServer((await createOutpost(o)).handler)` or
 * `app.use("/outpost", outpost.handler)`. Asynchronous because plugin files are imported.
 */
export async function createOutpost(options: CreateOutpostOptions): Promise<Outpost> {
  const storage = options.storage ?? memoryStorage();
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createOutpostMetrics());
  const write = options.logger ? undefined : createBatchedWriter((chunk) => process.stdout.write(chunk));
  const build = (config: CompiledConfig) => {
    const logger = options.logger ?? createJsonLogger({ secrets: config.secretValues, ...(write ? { write } : {}) });
    return createNodeGateway(config, { logger, storage, metrics });
  };
  const handler = createOutpostHandler({ gateway: build(await loadNodeConfig(options)) });
  return {
    handler,
    get gateway() {
      return handler.gateway;
    },
    metrics,
    reload: async () => handler.swap(build(await loadNodeConfig(options))),
  };
}
