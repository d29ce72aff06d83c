/**
 * @module @outpost/adapter-workers
 * Outpost as a Cloudflare Worker:
 * `export default createWorker({ providers: [{ file: "github.yaml", text: github }], hosts })`
 * plus `export { OutpostCoordinator } from "@outpost/adapter-workers"` for the Durable Object.
 */
export { createWorker } from "./create-worker.js";
export type { CreateWorkerOptions, OutpostWorker } from "./create-worker.js";
export { secretsFromEnv } from "./worker-env.js";
export type { ExecutionContextLike, WorkerEnv } from "./worker-env.js";
export { createConsoleLogger } from "./console-logger.js";
export { OutpostCoordinator } from "@outpost/storage-kv";
export type { AuthPlugin, ConfigSource } from "@outpost/core";
