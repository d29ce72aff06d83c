// The bindings of wrangler.jsonc as the tests see them (`import { env } from "cloudflare:workers"`),
// typed structurally instead of through the generated runtime types.
declare module "cloudflare:workers" {
  export const env: {
    readonly OUTPOST_KV: import("../src/index.js").KvNamespaceLike & {
      list(options?: { prefix?: string }): Promise<{ keys: { name: string; expiration?: number }[] }>;
    };
    readonly OUTPOST_COORDINATOR: import("../src/index.js").DurableObjectNamespaceLike;
  };
}
