import { type CompiledConfig, createGateway, type Gateway, type Logger, type Storage } from "@outpost/core";
import { docsAnswer } from "./docs-assets.js";
import type { OutpostMetrics } from "./metrics.js";

export interface NodeGatewayOptions {
  readonly logger: Logger;
  /** @default in-memory storage */
  readonly storage?: Storage | undefined;
  /** Fed by the gateway's events, served at `GET /metrics`. @default none (no `/metrics`) */
  readonly metrics?: OutpostMetrics | undefined;
}

/** The gateway with what Node supplies: the offline Swagger UI assets, the chosen storage, metrics. */
export function createNodeGateway(config: CompiledConfig, options: NodeGatewayOptions): Gateway {
  return createGateway(config, {
    logger: options.logger,
    docsAssets: docsAnswer,
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.metrics ? { onEvent: options.metrics.observe, metrics: options.metrics.answer } : {}),
  });
}
