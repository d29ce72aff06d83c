import type { CompiledConfig, CompiledHost } from "../config/compiled-config.js";
import { jsonAnswer, type Answer } from "../http/answer.js";
import { grantedProviders } from "../pipeline/identify.js";
import type { Storage } from "../ports/storage.js";

/** Paths answered by the proxy itself when a request carries no `X-Provider` (DESIGN §6). */
export type ManagementRoute = "healthz" | "readyz" | "providers" | "openapi" | "docs" | "metrics";

const ROUTES: Record<string, ManagementRoute> = {
  "/healthz": "healthz",
  "/readyz": "readyz",
  "/providers": "providers",
  "/openapi.json": "openapi",
  "/docs": "docs",
  "/metrics": "metrics",
};

export function managementPath(target: string): string {
  const q = target.indexOf("?");
  return q === -1 ? target : target.slice(0, q);
}

export function managementRoute(method: string, target: string): ManagementRoute | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  const path = managementPath(target);
  return ROUTES[path] ?? (path.startsWith("/docs/") ? "docs" : undefined);
}

/**
 * Swagger UI's page and assets, supplied by the adapter (Node serves them from its own package,
 * so the page works with no internet); undefined where the runtime ships none.
 */
export type DocsAssets = (path: string) => Answer | undefined;

/**
 * The adapter's metrics exposition (Prometheus text on Node). Served to configured hosts only:
 * it names every host and provider and shows traffic, which is not for anyone who can connect.
 */
export type MetricsSource = () => Answer | Promise<Answer>;

/** Liveness and readiness need no identity: load balancers call them. */
export function isPublicRoute(route: ManagementRoute): boolean {
  return route === "healthz" || route === "readyz";
}

/** What a host may learn about its providers: never secrets, env names or allow rules. */
export function providersAnswer(config: CompiledConfig, host: CompiledHost): Answer {
  const providers = grantedProviders(config, host).map((name) => {
    const p = config.providers.get(name)!;
    return {
      name: p.name,
      description: p.config.description ?? null,
      base_url: p.origin + p.basePath,
      mode: p.config.forwarding.mode,
      auth_type: p.authType,
    };
  });
  return jsonAnswer(200, { host: host.id, providers });
}

export function healthAnswer(): Answer {
  return jsonAnswer(200, { status: "ok" });
}

/** Ready when storage answers within a bound: a hung backend must not hang the probe. */
export async function readinessAnswer(storage: Storage, timeoutMs = 2_000): Promise<Answer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
  });
  try {
    await Promise.race([storage.ping(), timeout]);
    return jsonAnswer(200, { status: "ready", storage: storage.name });
  } catch {
    return jsonAnswer(503, { status: "unavailable", storage: storage.name });
  } finally {
    clearTimeout(timer);
  }
}
