/**
 * @module outpost-worker
 * Outpost's example Worker: the providers and hosts below are bundled at build time; secrets come
 * from `wrangler secret put`; storage is the KV namespace and Durable Object bound in wrangler.toml.
 */
import { createWorker } from "@outpost/adapter-workers";
import hosts from "../hosts.yaml";
import { PROVIDERS } from "./providers.js";

// The Durable Object class must be exported by the Worker's entry for its binding to resolve.
export { OutpostCoordinator } from "@outpost/adapter-workers";

export default createWorker({ providers: PROVIDERS, hosts: { file: "hosts.yaml", text: hosts } });
