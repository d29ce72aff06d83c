import { type AuthPlugin, type ConfigSource, ConfigError, createGateway, type Gateway, type GatewayObserver, loadConfig } from "@outpost/core";
import { kvStorage } from "@outpost/storage-kv";
import { createConsoleLogger } from "./console-logger.js";
import { envVar, type ExecutionContextLike, secretsFromEnv, storageBindings, type WorkerEnv } from "./worker-env.js";

export interface CreateWorkerOptions {
  /** One YAML text per provider, bundled at build time (a wrangler `Text` rule), with its file name. */
  readonly providers: readonly ConfigSource[];
  /** The hosts file; without it only loopback may call, which on Workers means nobody. */
  readonly hosts?: ConfigSource;
  /** Auth plugins by the name `auth.module` uses. Workers cannot load plugin files: bundle them. */
  readonly plugins?: Readonly<Record<string, AuthPlugin>>;
  /**
   * Receives the gateway's events (one per request, rate-limit waits and refusals, cache hits,
   * token mints, upstream errors): forward them to Workers Analytics Engine or a queue. They carry
   * configured names, codes and numbers only, never a path, address or secret.
   */
  readonly onEvent?: GatewayObserver;
}

export interface OutpostWorker {
  /**
   * `env` is whatever the Worker is bound to (see `WorkerEnv` for what is read); it is typed
   * loosely so a generated `Env` interface fits, and checked at run time instead.
   */
  fetch(request: Request, env: object, ctx: ExecutionContextLike): Promise<Response>;
}

type Built = { readonly gateway: Gateway } | { readonly failure: string };

const CONFIG_ERROR_BODY = JSON.stringify({
  status: "FAILURE",
  error: {
    code: "PROXY_INTERNAL_ERROR",
    // The details name files, fields and variables: they go to the Worker's logs, not to callers.
    message: "Outpost configuration error: the Worker did not start; its logs (wrangler tail) name the file, line and field",
    metadata: { reason: "configuration" },
  },
});

function build(options: CreateWorkerOptions, env: WorkerEnv): Built {
  try {
    const config = loadConfig({
      providers: options.providers,
      hosts: options.hosts,
      secrets: secretsFromEnv(env),
      trustedProxies: envVar(env, "TRUSTED_PROXIES"),
      defaultProvider: envVar(env, "DEFAULT_PROVIDER"),
      plugins: options.plugins,
    });
    const logger = createConsoleLogger(config.secretValues);
    for (const warning of config.warnings) logger.warn(warning);
    const storage = kvStorage({ ...storageBindings(env), keyPrefix: envVar(env, "OUTPOST_KEY_PREFIX") ?? "outpost:" });
    return { gateway: createGateway(config, { storage, logger, ...(options.onEvent ? { onEvent: options.onEvent } : {}) }) };
  } catch (error) {
    if (error instanceof ConfigError) return { failure: `outpost: configuration error\n${error.message}` };
    return { failure: `outpost: the Worker failed to start: ${(error as Error)?.message ?? String(error)}` };
  }
}

/**
 * The Workers `fetch` handler over the core gateway. The gateway is built on the first request of
 * each isolate (bindings only exist then) and kept for the isolate's life; so is a configuration
 * failure, which answers every request with a 500 saying so and logs the located issues each
 * time, so that `wrangler tail` shows them whichever request one looks at. Nothing is skipped.
 */
export function createWorker(options: CreateWorkerOptions): OutpostWorker {
  let built: Built | undefined;
  return {
    async fetch(request, env, ctx) {
      built ??= build(options, env as WorkerEnv);
      if ("failure" in built) {
        console.error(built.failure);
        return new Response(CONFIG_ERROR_BODY, { status: 500, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" } });
      }
      const url = new URL(request.url);
      return built.gateway.fetch(request, {
        // Set by Cloudflare's edge for every request, overwriting any value the client sent.
        clientAddress: request.headers.get("cf-connecting-ip") ?? "",
        // Workers expose only the parsed URL: dot segments, backslashes and fragments are already
        // resolved by the platform, so the proxy decides on (and forwards) exactly this form.
        rawTarget: url.pathname + url.search,
        waitUntil: (promise) => ctx.waitUntil(promise),
      });
    },
  };
}
