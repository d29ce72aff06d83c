import type { Gateway, Logger, Storage } from "@outpost/core";
import { createNodeGateway } from "./node-gateway.js";
import { createOutpostHandler, type OutpostHandler } from "./handler.js";
import { createJsonLogger } from "./json-logger.js";
import { loadNodeConfig, type NodeConfigOptions } from "./node-config.js";

export interface CreateOutpostOptions extends NodeConfigOptions {
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
  /** @default in-memory storage */
  readonly storage?: Storage;
}

export interface Outpost {
  readonly handler: OutpostHandler;
  readonly gateway: Gateway;
}

/**
 * For existing servers: validates the configuration (rejects with `ConfigError`) and returns a
 * handler to mount, e.g. `http.createServer((await createOutpost(o)).handler)` or
 * `app.use("/outpost", outpost.handler)`. Asynchronous because plugin files are imported.
 */
export async function createOutpost(options: CreateOutpostOptions): Promise<Outpost> {
  const config = await loadNodeConfig(options);
  const logger = options.logger ?? createJsonLogger({ secrets: config.secretValues });
  const gateway = createNodeGateway(config, { logger, storage: options.storage });
  return { gateway, handler: createOutpostHandler({ gateway }) };
}
