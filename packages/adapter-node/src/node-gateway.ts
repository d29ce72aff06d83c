import { type CompiledConfig, createGateway, type Gateway, type Logger, type Storage } from "@outpost/core";
import { docsAnswer } from "./docs-assets.js";

export interface NodeGatewayOptions {
  readonly logger: Logger;
  /** @default in-memory storage */
  readonly storage?: Storage | undefined;
}

/** The gateway with what Node supplies: the offline Swagger UI assets, and the chosen storage. */
export function createNodeGateway(config: CompiledConfig, options: NodeGatewayOptions): Gateway {
  return createGateway(config, {
    logger: options.logger,
    docsAssets: docsAnswer,
    ...(options.storage ? { storage: options.storage } : {}),
  });
}
