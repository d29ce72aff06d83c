/**
 * The configuration of the adversarial fixture (security-cases.md "Test fixture"): source
 * addresses, secret names, provider YAMLs pointed at this run's upstreams, and the hosts file.
 */
import { type ConfigSource, HostsFileSchema } from "@outpost/core";

/** Source addresses (Linux routes all of 127/8 to loopback). */
export const FROM = {
  research: "127.0.0.11",
  exec: "127.0.0.12",
  lan: "127.0.0.13",
  trusted: "127.0.0.14",
  unknown: "127.0.0.99",
} as const;
export type Caller = keyof typeof FROM;

export const SECRET_NAMES = [
  "GH_TOKEN",
  "STRIPE_KEY",
  "LEGACY_KEY",
  "JIRA_USER",
  "JIRA_TOKEN",
  "BN_KEY",
  "BN_SECRET",
  "OA_ID",
  "OA_SECRET",
  "CUSTOM_KEY",
  "STORE_SEED",
  "PSK_R",
  "PSK_X",
] as const;

/** Tokens T mints, in order: sentinels too, since a minted token is credential material. */
export const MINTED_NAMES = ["OA_TOKEN_1", "OA_TOKEN_2", "OA_TOKEN_3", "OA_TOKEN_4"] as const;

/** Which secret each provider injects, and where (for the per-provider loops). */
export const PROVIDER_SECRET: Record<string, string> = {
  github: "GH_TOKEN",
  stripe: "STRIPE_KEY",
  legacy: "LEGACY_KEY",
  jira: "JIRA_TOKEN",
  binance: "BN_KEY",
  oauthsvc: "OA_TOKEN_1",
  custom: "CUSTOM_KEY",
  store: "STORE_SEED",
};

/** A path every provider allows for a GET (github is an allowlist). */
export const BASE_PATH: Record<string, string> = {
  github: "/repos/a/b",
  stripe: "/v1/x",
  legacy: "/v1/x",
  jira: "/rest/x",
  binance: "/api/v3/x",
  oauthsvc: "/v1/x",
  custom: "/x",
  store: "/x",
};

export const ALL_PROVIDERS = Object.keys(PROVIDER_SECRET);

export function providerTexts(u: string, t: string): ConfigSource[] {
  const p = (file: string, text: string): ConfigSource => ({ file, text });
  return [
    p(
      "github.yaml",
      `name: github
base_url: ${u}/api
auth: {type: bearer_static, env: GH_TOKEN}
default_headers: {X-GitHub-Api-Version: "2022-11-28"}
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/repos/*/*/secrets", methods: [GET], sensitive: true, cache_ttl: 60}
    - {pattern: "/repos/*/*/issues", methods: [POST]}
    - {pattern: "/repos/**", methods: [GET, HEAD], cache_ttl: 60}
    - {pattern: "/search/code", methods: [GET, POST], sensitive: false}
    - {pattern: "/upload/**", method: POST, sensitive: false}
    - {pattern: "/user/**", methods: [GET]}
    - {pattern: "/ünï/**", methods: [GET]}
  deny: ["/user/keys", "/orgs/*/members", "/admin"]
  timeout_ms: 500
  max_body_bytes: 65536
`,
    ),
    p(
      "stripe.yaml",
      `name: stripe
base_url: ${u}/stripe
auth: {type: api_key_header, env: STRIPE_KEY, header: X-Api-Key}
cache_vary: [Stripe-Account]
forwarding: {mode: transparent, deny: ["/v1/admin"], default_cache_ttl: 30, timeout_ms: 500, max_body_bytes: 4096}
`,
    ),
    p("legacy.yaml", `name: legacy\nbase_url: ${u}/legacy\nauth: {type: api_key_query, env: LEGACY_KEY, param: api_key}\nforwarding: {timeout_ms: 500}\n`),
    p("jira.yaml", `name: jira\nbase_url: ${u}/jira\nauth: {type: basic_auth, username_env: JIRA_USER, password_env: JIRA_TOKEN}\nforwarding: {timeout_ms: 500}\n`),
    p("binance.yaml", `name: binance\nbase_url: ${u}/bn\nauth: {type: hmac_signed, key_env: BN_KEY, secret_env: BN_SECRET}\nforwarding: {timeout_ms: 500}\n`),
    p(
      "oauthsvc.yaml",
      `name: oauthsvc
base_url: ${u}/oa
auth: {type: oauth2_client_credentials, client_id_env: OA_ID, client_secret_env: OA_SECRET, token_url: "${t}", scope: read}
forwarding: {timeout_ms: 500}
`,
    ),
    p(
      "custom.yaml",
      `name: custom
base_url: ${u}/custom
auth:
  type: custom_headers
  headers:
    X-Custom-Key: {env: CUSTOM_KEY}
    X-Custom-Tenant: {value: acme}
forwarding: {timeout_ms: 500}
`,
    ),
    p("store.yaml", `name: store\nbase_url: ${u}/store\nauth: {type: bearer_store, key: store1, env_seed: STORE_SEED}\nforwarding: {timeout_ms: 500}\n`),
    p(
      "limited.yaml",
      `name: limited
base_url: ${u}/limited
auth: {type: bearer_static, env: GH_TOKEN}
forwarding:
  treat_writes_as_sensitive: false
  queue_timeout_ms: 0
  timeout_ms: 500
  rate_limits:
    rl: [{capacity: 1000, window_ms: 60000}]
  allow:
    - {pattern: "/rl/**", methods: [GET, POST], category: rl}
${[0, 1, 2, 3, 4, 5].map((i) => `    - {pattern: "/cool${i}/**", methods: [GET], category: c${i}}`).join("\n")}
`,
    ),
    p("off.yaml", `name: off\nenabled: false\nbase_url: ${u}/off\nauth: {type: bearer_static, env: NOT_SET_ANYWHERE}\n`),
  ];
}

/**
 * PSK brute-force limiting is tested on its own elsewhere; here one source address deliberately
 * fails its PSK dozens of times, so its budget is raised where the hosts schema has one.
 */
const PSK_FAILURES = "psk_failures" in HostsFileSchema.entries ? "psk_failures: {capacity: 100000, window_ms: 60000}\n" : "";

export const HOSTS = `trusted_proxies: ["127.0.0.14/32"]
${PSK_FAILURES}hosts:
  - {id: research, cidrs: ["127.0.0.11/32"], can_call_sensitive: false, auth_token_env: PSK_R, providers: [github, stripe, legacy, jira, binance, oauthsvc, limited]}
  - {id: exec, cidrs: ["127.0.0.12/32"], can_call_sensitive: true, auth_token_env: PSK_X}
  - {id: lan, cidrs: ["127.0.0.0/28"], can_call_sensitive: false}
`;

/** The providers research is granted, sorted, as `metadata.available` must list them. */
export const RESEARCH_GRANTS = ["binance", "github", "jira", "legacy", "limited", "oauthsvc", "stripe"];
