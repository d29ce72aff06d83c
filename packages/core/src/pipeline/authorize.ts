import type { CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import { fail } from "../http/answer.js";
import { canonicalizePath } from "../policy/canonical-path.js";
import type { RouteDecision } from "../policy/route-policy.js";
import { canonicalQuery } from "./query.js";
import type { RequestInfo } from "./request-info.js";

export interface Target {
  readonly path: string;
  readonly query: string;
}

/** Step 5: split the target and canonicalise the path (DESIGN §4.1). */
export function canonicalTarget(target: string): Target {
  const q = target.indexOf("?");
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? "" : target.slice(q + 1);
  // A fragment is never sent by a client; one in the target is an attempt to confuse a parser.
  if (rawQuery.includes("#")) fail("PROXY_BAD_PATH", "request target must not contain #");
  const query = canonicalQuery(rawQuery);
  const result = canonicalizePath(rawPath);
  if (!result.ok) fail("PROXY_BAD_PATH", `invalid path: ${result.reason}`);
  return { path: result.path, query };
}

export type AllowedRoute = Extract<RouteDecision, { effect: "allow" }>;

/** What the request log records about the route, also when the route is then refused. */
export interface RouteNote {
  category: string | undefined;
  sensitive: boolean | undefined;
}

/** Steps 6–9: deny list, allow rules, the sensitive gate and the body size. */
export function authorizeRoute(info: RequestInfo, provider: CompiledProvider, host: CompiledHost, path: string, note: RouteNote): AllowedRoute {
  const decision = provider.policy.evaluate(info.method, path);
  if (decision.effect === "deny") {
    if (decision.code === "PROXY_PATH_DENIED") fail(decision.code, "this path is denied by policy", { metadata: { rule: decision.rule } });
    fail(decision.code, "no route allows this method and path");
  }
  note.category = decision.category;
  note.sensitive = decision.sensitive;
  if (!host.canCallSensitive) {
    const gate = decision.sensitive ? decision.rule : provider.policy.sensitiveReading(info.method, path);
    if (gate !== undefined) {
      note.sensitive = true;
      fail("PROXY_SENSITIVE_DENIED", "this client may not make sensitive calls", { metadata: { rule: gate } });
    }
  }
  const max = provider.config.forwarding.max_body_bytes;
  if (info.contentLength !== undefined && info.contentLength > max) {
    fail("PROXY_PAYLOAD_TOO_LARGE", "request body is too large", { metadata: { max_body_bytes: max } });
  }
  return decision;
}
