/**
 * @module @outpost/adapter-node
 * Outpost on Node: a standalone server, a mountable `(req, res)` handler and config loading from
 * files and the environment.
 */
export { createOutpostHandler } from "./handler.js";
export type { OutpostHandler, OutpostHandlerOptions } from "./handler.js";
export { startServer, DEFAULT_LIMITS } from "./server.js";
export type { RunningServer, ServerLimits, StartOptions } from "./server.js";
export { loadNodeConfig } from "./node-config.js";
export { loadPluginFiles } from "./load-plugins.js";
export type { NodeConfigOptions } from "./node-config.js";
export { createJsonLogger } from "./json-logger.js";
export type { JsonLoggerOptions } from "./json-logger.js";
export { createUpstreamClient } from "./upstream-client.js";
export type { UpstreamClient, UpstreamClientOptions } from "./upstream-client.js";
export { createOutpostMetrics } from "./metrics.js";
export type { OutpostMetrics, OutpostMetricsOptions } from "./metrics.js";
export { createOutpost } from "./create-outpost.js";
export type { CreateOutpostOptions, Outpost } from "./create-outpost.js";
