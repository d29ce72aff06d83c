import type { ConfigSource } from "../../config/yaml-source.js";
import type { ProxyConfigTexts } from "../scenario-harness.js";

/** Client addresses of the fixture (Linux routes all of 127/8 to loopback). */
export const FROM = {
  research: "127.0.0.11",
  exec: "127.0.0.12",
  lan: "127.0.0.13",
  trustedProxy: "127.0.0.14",
  unknown: "127.0.0.99",
} as const;

function hex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Random sentinels per run (`SNTL_<NAME>_<hex>`), so a leak is found by scanning, never guessed. */
export function createScenarioSecrets(): Record<string, string> {
  const names = ["GH_TOKEN", "STRIPE_KEY", "LEGACY_KEY", "JIRA_USER", "JIRA_TOKEN", "CUSTOM_KEY", "DEAD_KEY", "LIMITED_KEY", "PSK_R", "PSK_X"];
  return Object.fromEntries(names.map((name) => [name, `SNTL_${name}_${hex(16)}`]));
}

function source(file: string, text: string): ConfigSource {
  return { file, text };
}

/** The providers and hosts of security-cases.md "Test fixture", pointed at this run's upstreams. */
export function scenarioConfig(upstreamUrl: string, closedUrl: string, secrets: Record<string, string>): ProxyConfigTexts {
  const providers = [
    source(
      "github.yaml",
      `name: github
base_url: ${upstreamUrl}/api
auth: {type: bearer_static, env: GH_TOKEN}
strip_response_headers: [x-oauth-scopes]
default_headers: {X-GitHub-Api-Version: "2022-11-28"}
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/repos/*/*/secrets", methods: [GET], sensitive: true}
    - {pattern: "/repos/*/*/issues", methods: [POST]}
    - {pattern: "/repos/**", methods: [GET, HEAD]}
    - {pattern: "/search/code", methods: [GET, POST], sensitive: false}
    - {pattern: "/upload/**", method: POST, sensitive: false}
    - {pattern: "/user/**", methods: [GET]}
  deny: ["/user/keys", "/orgs/*/members", "/admin"]
  timeout_ms: 500
  max_body_bytes: 2097152
`,
    ),
    source(
      "stripe.yaml",
      `name: stripe
base_url: ${upstreamUrl}/stripe
auth: {type: api_key_header, env: STRIPE_KEY, header: X-Api-Key}
forwarding: {mode: transparent, deny: ["/v1/admin"], timeout_ms: 500, max_body_bytes: 1024}
`,
    ),
    source(
      "legacy.yaml",
      `name: legacy
base_url: ${upstreamUrl}/legacy
auth: {type: api_key_query, env: LEGACY_KEY, param: api_key}
`,
    ),
    source(
      "jira.yaml",
      `name: jira
base_url: ${upstreamUrl}/jira
auth: {type: basic_auth, username_env: JIRA_USER, password_env: JIRA_TOKEN}
`,
    ),
    source(
      "custom.yaml",
      `name: custom
base_url: ${upstreamUrl}/custom
auth:
  type: custom_headers
  headers:
    X-Custom-Key: {env: CUSTOM_KEY}
    X-Custom-Tenant: {value: acme}
`,
    ),
    source(
      "dead.yaml",
      `name: dead
base_url: ${closedUrl}/dead
auth: {type: bearer_static, env: DEAD_KEY}
`,
    ),
    source(
      "limited.yaml",
      `name: limited
base_url: ${upstreamUrl}/limited
auth: {type: bearer_static, env: LIMITED_KEY}
forwarding:
  mode: transparent
  treat_writes_as_sensitive: false
  default_cache_ttl: 60
  queue_timeout_ms: 0
  rate_limits:
    capped: [{capacity: 3, window_ms: 60000}]
  allow:
    - {pattern: "/capped/**", methods: [GET], category: capped}
    - {pattern: "/cooling/**", methods: [GET], category: cooling}
`,
    ),
    source(
      "off.yaml",
      `name: off
enabled: false
base_url: ${upstreamUrl}/off
auth: {type: bearer_static, env: NOT_SET_ANYWHERE}
`,
    ),
  ];
  const hosts = source(
    "hosts.yaml",
    `trusted_proxies: ["127.0.0.14/32"]
# The suite presents many wrong keys on purpose; the lock-out itself has its own tests.
psk_failures: {capacity: 1000, window_ms: 60000}
hosts:
  - {id: research, cidrs: ["127.0.0.11/32"], can_call_sensitive: false, auth_token_env: PSK_R, providers: [github, stripe, legacy, jira, dead]}
  - {id: exec, cidrs: ["127.0.0.12/32"], can_call_sensitive: true, auth_token_env: PSK_X}
  - {id: lan, cidrs: ["127.0.0.0/28"], can_call_sensitive: false}
`,
  );
  return { providers, hosts, secrets };
}
