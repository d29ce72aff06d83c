import type { ConfigIssue } from "../errors/config-error.js";

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Plain http is acceptable only to these (a `URL.hostname`): the bytes never leave the machine. */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname);
}

export interface ParsedBaseUrl {
  readonly origin: string;
  readonly basePath: string;
  readonly insecure: boolean;
}

/**
 * Credentials are only ever sent over TLS, except to loopback or when the operator opts in
 * (DESIGN §2.1). Userinfo, query and fragment are refused: they would be silently merged into or
 * dropped from every forwarded URL.
 */
export function parseBaseUrl(raw: string, insecureHttp: boolean): ParsedBaseUrl | Omit<ConfigIssue, "file" | "line"> {
  const url = new URL(raw);
  const field = "base_url";
  if (url.protocol !== "https:" && url.protocol !== "http:") return { field, message: "must be an http(s) URL" };
  if (url.username || url.password) return { field, message: "must not contain credentials; use auth" };
  if (url.search || url.hash || raw.includes("?") || raw.includes("#")) return { field, message: "must not contain a query or fragment" };
  const plain = url.protocol === "http:";
  if (plain && !LOOPBACK_HOST.test(url.hostname) && !insecureHttp) {
    return { field, message: "plain http is only allowed for loopback hosts; set insecure_http: true to allow it" };
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ""), insecure: plain && !LOOPBACK_HOST.test(url.hostname) };
}
