import type { KvNamespaceLike } from "@outpost/storage-kv";
import { createWorker, type ExecutionContextLike, type OutpostWorker, type WorkerEnv } from "../../src/index.js";

export { OutpostCoordinator } from "../../src/index.js";

/**
 * The Worker the Node-side tests run in Miniflare: `createWorker` exactly as a deployed entry uses
 * it, except that the YAML texts arrive in a binding (every run has its own upstream ports) instead
 * of being bundled, and KV writes are counted for the zero-write proof.
 */
interface TestEnv extends WorkerEnv {
  readonly OUTPOST_TEST_CONFIG: string;
}

let worker: OutpostWorker | undefined;
let kvWrites: string[] = [];
let events: unknown[] = [];

function counting(namespace: KvNamespaceLike): KvNamespaceLike {
  return {
    get: (key) => namespace.get(key),
    put: (key, value, options) => (kvWrites.push(`put ${key}`), namespace.put(key, value, options)),
    delete: (key) => (kvWrites.push(`delete ${key}`), namespace.delete(key)),
  };
}

export default {
  fetch(request: Request, env: TestEnv, ctx: ExecutionContextLike): Promise<Response> | Response {
    const path = new URL(request.url).pathname;
    if (path === "/__test__/kv-writes") return Response.json(kvWrites);
    if (path === "/__test__/kv-writes/reset") return Response.json((kvWrites = []));
    if (path === "/__test__/events") return Response.json(events);
    worker ??= createWorker({ ...JSON.parse(env.OUTPOST_TEST_CONFIG), onEvent: (event) => void events.push(event) });
    const kv = env.OUTPOST_KV ? { OUTPOST_KV: counting(env.OUTPOST_KV) } : {};
    return worker.fetch(request, { ...env, ...kv }, ctx);
  },
};
