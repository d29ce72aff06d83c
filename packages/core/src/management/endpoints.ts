import type { CompiledConfig, CompiledHost } from "../config/compiled-config.js";
import { jsonAnswer, type Answer } from "../http/answer.js";
import { grantedProviders } from "../pipeline/identify.js";

/** Paths answered by the proxy itself when a request carries no `X-Provider` (DESIGN §6). */
export type ManagementRoute = "healthz" | "readyz" | "providers";

const ROUTES: Record<string, ManagementRoute> = {
  "/healthz": "healthz",
  "/readyz": "readyz",
  "/providers": "providers",
};

export function managementRoute(method: string, target: string): ManagementRoute | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  const q = target.indexOf("?");
  return ROUTES[q === -1 ? target : target.slice(0, q)];
}

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
      auth_type: p.auth.type,
    };
  });
  return jsonAnswer(200, { host: host.id, providers });
}

export function healthAnswer(): Answer {
  return jsonAnswer(200, { status: "ok" });
}
