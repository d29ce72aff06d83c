import type { ConfigIssue } from "../errors/config-error.js";
import { type Cidr, parseCidr } from "../host/cidr.js";
import { type CidrTable, createCidrTable } from "../host/cidr-table.js";
import type { Secrets } from "../ports/secrets.js";
import type { CompiledHost } from "./compiled-config.js";
import { DEFAULT_PSK_FAILURES, HostsFileSchema } from "./hosts-schema.js";
import type { TokenWindow } from "../ports/storage.js";
import { validateAgainst } from "./validate.js";
import { type ConfigSource, parseYamlSource } from "./yaml-source.js";
import { ConfigError } from "../errors/config-error.js";

export interface HostsLoadResult {
  readonly hosts: CidrTable<CompiledHost>;
  readonly hostList: CompiledHost[];
  readonly trustedProxies: Cidr[];
  readonly pskFailures: TokenWindow;
}

/** Without a hosts file: one host for loopback, sensitive allowed, no PSK (DESIGN §2.2). */
const DEFAULT_HOST: CompiledHost = { id: "local", canCallSensitive: true, psk: undefined, providers: undefined };

export function defaultHosts(): HostsLoadResult {
  const cidrs = ["127.0.0.0/8", "::1/128"].map((text) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(`built-in CIDR ${text} is invalid`);
    return parsed.cidr;
  });
  return {
    hosts: createCidrTable(cidrs.map((cidr) => ({ cidr, value: DEFAULT_HOST }))),
    hostList: [DEFAULT_HOST],
    trustedProxies: [],
    pskFailures: { capacity: DEFAULT_PSK_FAILURES.capacity, windowMs: DEFAULT_PSK_FAILURES.window_ms },
  };
}

export function loadHosts(
  source: ConfigSource,
  secrets: Secrets,
  knownProviders: ReadonlySet<string>,
  issues: ConfigIssue[],
): HostsLoadResult | undefined {
  let parsed;
  try {
    parsed = parseYamlSource(source);
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
    return undefined;
  }
  const config = validateAgainst(HostsFileSchema, parsed, source, issues);
  if (!config) return undefined;
  const before = issues.length;
  const at = (path: (string | number)[], field: string, message: string) =>
    issues.push({ file: source.file, line: parsed.lineOf(path), field, message });

  const cidrAt = (text: string, path: (string | number)[], field: string): Cidr | undefined => {
    const result = parseCidr(text);
    if (result.ok) return result.cidr;
    at(path, field, result.reason);
    return undefined;
  };

  const trustedProxies = config.trusted_proxies.flatMap((text, i) => cidrAt(text, ["trusted_proxies", i], `trusted_proxies[${i}]`) ?? []);
  const entries: { cidr: Cidr; value: CompiledHost }[] = [];
  const hostList: CompiledHost[] = [];
  const ids = new Set<string>();
  config.hosts.forEach((host, i) => {
    const field = `hosts[${i}]`;
    if (ids.has(host.id)) at(["hosts", i, "id"], `${field}.id`, `duplicate host id "${host.id}"`);
    ids.add(host.id);
    host.providers?.forEach((name, j) => {
      if (!knownProviders.has(name)) at(["hosts", i, "providers", j], `${field}.providers[${j}]`, `unknown provider "${name}"`);
    });
    let psk: string | undefined;
    if (host.auth_token_env !== undefined) {
      psk = secrets.get(host.auth_token_env);
      if (psk === undefined || psk === "") {
        at(["hosts", i, "auth_token_env"], `${field}.auth_token_env`, `secret ${host.auth_token_env} is not set (or empty)`);
      }
    }
    const compiled: CompiledHost = {
      id: host.id,
      canCallSensitive: host.can_call_sensitive,
      psk,
      providers: host.providers ? new Set(host.providers) : undefined,
    };
    hostList.push(compiled);
    host.cidrs.forEach((text, j) => {
      const cidr = cidrAt(text, ["hosts", i, "cidrs", j], `${field}.cidrs[${j}]`);
      if (cidr) entries.push({ cidr, value: compiled });
    });
  });
  if (issues.length > before) return undefined;
  const pskFailures = { capacity: config.psk_failures.capacity, windowMs: config.psk_failures.window_ms };
  return { hosts: createCidrTable(entries), hostList, trustedProxies, pskFailures };
}
