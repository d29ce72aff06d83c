import { createGateway, type Gateway, type Logger } from "@outpost/core";
import { createOutpostHandler, type OutpostHandler } from "./handler.js";
import { createJsonLogger } from "./json-logger.js";
import { loadNodeConfig, type NodeConfigOptions } from "./node-config.js";

export interface CreateOutpostOptions extends NodeConfigOptions {
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
}

export interface Outpost {
  readonly handler: OutpostHandler;
  readonly gateway: Gateway;
}

/**
 * For existing servers: validates the configuration (throws `ConfigError`) and returns a handler
 * to mount, e.g. `http.createServer(outpost.handler)` or `app.use("/outpost", outpost.handler)`.
 */
export function createOutpost(options: CreateOutpostOptions): Outpost {
  const config = loadNodeConfig(options);
  const logger = options.logger ?? createJsonLogger({ secrets: config.secretValues });
  const gateway = createGateway(config, { logger });
  return { gateway, handler: createOutpostHandler({ gateway }) };
}
