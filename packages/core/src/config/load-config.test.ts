import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { parseIp } from "../host/ip.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { loadConfig, type LoadConfigOptions } from "./load-config.js";
import type { ConfigSource } from "./yaml-source.js";

/** Joins rows into a YAML text: row i is line i + 1, which keeps expected lines readable. */
const yaml = (...rows: string[]) => `${rows.join("\n")}\n`;

const src = (file: string, ...rows: string[]): ConfigSource => ({ file, text: yaml(...rows) });

/** A valid provider: line 5 is `auth.env`, extra rows start at line 6. */
const github = (...extra: string[]) =>
  src(
    "github.yaml",
    "name: github", // 1
    "base_url: https://api.github.com", // 2
    "auth:", // 3
    "  type: bearer_static", // 4
    "  env: GH_TOKEN", // 5
    ...extra, // 6…
  );

const ENV = { GH_TOKEN: "gh-token-value", SLACK_TOKEN: "slack-token-value", PSK_R: "psk-r-value" };

interface Options extends Partial<Omit<LoadConfigOptions, "secrets">> {
  env?: Record<string, string | undefined>;
}

const load = (options: Options = {}) =>
  loadConfig({
    providers: options.providers ?? [github()],
    hosts: options.hosts,
    secrets: secretsFromRecord(options.env ?? ENV),
    trustedProxies: options.trustedProxies,
    defaultProvider: options.defaultProvider,
  });

function configError(options: Options): ConfigError {
  try {
    load(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const issuesOf = (options: Options): ConfigIssue[] => [...configError(options).issues];

/** Hosts file whose line 3 is the first host's `cidrs`. */
const hostsWith = (...hostRows: string[]) => src("hosts.yaml", "hosts:", "  - id: research", ...hostRows);

describe("loadConfig: a valid configuration", () => {
  it("compiles providers, default hosts and no trusted proxies", () => {
    const config = load();
    expect([...config.providers.keys()]).toEqual(["github"]);
    const gh = config.providers.get("github");
    expect(gh).toMatchObject({ name: "github", file: "github.yaml", origin: "https://api.github.com", basePath: "" });
    expect(config.hostList).toEqual([{ id: "local", canCallSensitive: true, psk: undefined, providers: undefined }]);
    expect(config.hosts.lookup(parseIp("127.0.0.1")!)?.id).toBe("local");
    expect(config.hosts.lookup(parseIp("::1")!)?.id).toBe("local");
    expect(config.hosts.lookup(parseIp("10.0.0.1")!)).toBeUndefined();
    expect(config.hasTrustedProxies).toBe(false);
    expect(config.defaultProvider).toBeUndefined();
    expect(config.secretValues).toEqual(["gh-token-value"]);
    expect(config.warnings).toEqual([]);
  });

  it("applies forwarding defaults", () => {
    const f = load().providers.get("github")!.config.forwarding;
    expect(f).toEqual({
      mode: "transparent",
      allow: [],
      deny: [],
      default_category: "default",
      default_cache_ttl: 0,
      treat_writes_as_sensitive: true,
      rate_limits: {},
      queue_timeout_ms: 2000,
      max_queued: 100,
      timeout_ms: 30000,
      max_body_bytes: 10 * 1024 * 1024,
      max_cache_entry_bytes: 1024 * 1024,
      max_idempotency_entry_bytes: 1024 * 1024,
    });
  });

  it("keeps a base_url path prefix without the trailing slash", () => {
    const config = load({ providers: [src("p.yaml", "name: p", "base_url: https://api.example.com/v2/", "auth: {type: none}")] });
    expect(config.providers.get("p")).toMatchObject({ origin: "https://api.example.com", basePath: "/v2" });
  });

  it("compiles a hosts file with PSKs, grants and trusted proxies", () => {
    const config = load({
      providers: [github(), src("slack.yaml", "name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: bearer_static, env: NOPE}")],
      hosts: src(
        "hosts.yaml",
        'trusted_proxies: ["10.0.0.5/32"]',
        "hosts:",
        "  - id: research",
        '    cidrs: ["10.0.1.0/24", "fd00::/64"]',
        "    auth_token_env: PSK_R",
        "    providers: [github, slack]",
        "  - id: local",
        '    cidrs: ["127.0.0.1/32"]',
        "    can_call_sensitive: true",
      ),
      trustedProxies: "10.0.0.6/32, 10.0.0.7",
    });
    expect(config.hostList).toEqual([
      { id: "research", canCallSensitive: false, psk: "psk-r-value", providers: new Set(["github", "slack"]) },
      { id: "local", canCallSensitive: true, psk: undefined, providers: undefined },
    ]);
    expect(config.hosts.lookup(parseIp("10.0.1.77")!)?.id).toBe("research");
    expect(config.hosts.lookup(parseIp("fd00::1")!)?.id).toBe("research");
    expect(config.hasTrustedProxies).toBe(true);
    for (const ip of ["10.0.0.5", "10.0.0.6", "10.0.0.7"]) expect(config.trustedProxies.lookup(parseIp(ip)!)).toBeDefined();
    expect(config.trustedProxies.lookup(parseIp("10.0.0.8")!)).toBeUndefined();
    expect([...config.secretValues].sort()).toEqual(["gh-token-value", "psk-r-value"]);
  });
});

describe("loadConfig: unknown keys and typos (SEC-112)", () => {
  it("forwading:", () => {
    expect(issuesOf({ providers: [github("forwading:", "  mode: allowlist")] })).toEqual([
      { file: "github.yaml", line: 6, field: "forwading", message: "unknown key" },
    ]);
  });

  it("deny_list: (a mistyped deny list never means no deny list)", () => {
    expect(issuesOf({ providers: [github("forwarding:", '  deny_list: ["/user/keys"]')] })).toEqual([
      { file: "github.yaml", line: 7, field: "forwarding.deny_list", message: "unknown key" },
    ]);
  });

  it("sensitve: true inside an allow rule", () => {
    const providers = [
      github(
        "forwarding:", // 6
        "  mode: allowlist", // 7
        "  allow:", // 8
        "    - pattern: /repos/**", // 9
        "      methods: [GET]", // 10
        "    - pattern: /user", // 11
        "      sensitve: true", // 12
      ),
    ];
    expect(issuesOf({ providers })).toEqual([
      { file: "github.yaml", line: 12, field: "forwarding.allow[1].sensitve", message: "unknown key" },
    ]);
  });

  it("an unknown key inside auth", () => {
    expect(issuesOf({ providers: [github("  tokn: abc")] })).toEqual([
      { file: "github.yaml", line: 6, field: "auth.tokn", message: "unknown key" },
    ]);
  });

  it("an unknown key inside a flow-style auth of another type", () => {
    const providers = [src("k.yaml", "name: k", "base_url: https://k.example", "auth: {type: api_key_header, env: K, header: X-Key, prefx: a}")];
    expect(issuesOf({ providers, env: { K: "v" } })).toEqual([{ file: "k.yaml", line: 3, field: "auth.prefx", message: "unknown key" }]);
  });

  it("an unknown key in a rate-limit window and in the hosts file", () => {
    expect(
      issuesOf({
        providers: [github("forwarding:", "  rate_limits:", "    default:", "      - {capacity: 5, window: 1000}")],
        hosts: src("hosts.yaml", "hosts:", "  - id: a", '    cidrs: ["10.0.0.0/8"]', "    can_call_sensitve: true", "trusted_proxie: []"),
      }),
    ).toEqual([
      { file: "github.yaml", line: 9, field: "forwarding.rate_limits.default[0].window_ms", message: "is required" },
      { file: "github.yaml", line: 9, field: "forwarding.rate_limits.default[0].window", message: "unknown key" },
      { file: "hosts.yaml", line: 4, field: "hosts[0].can_call_sensitve", message: "unknown key" },
      { file: "hosts.yaml", line: 5, field: "trusted_proxie", message: "unknown key" },
    ]);
  });

  it("mode: Allowlist (values are case-sensitive)", () => {
    expect(issuesOf({ providers: [github("forwarding:", "  mode: Allowlist")] })).toEqual([
      { file: "github.yaml", line: 7, field: "forwarding.mode", message: "must be transparent or allowlist" },
    ]);
  });
});

describe("loadConfig: wrong types", () => {
  it.each<[string, string[], number, string, RegExp]>([
    ["enabled as a string", ['enabled: "yes"'], 6, "enabled", /must be boolean/],
    ["deny as a string instead of a list", ["forwarding:", "  deny: /user/keys"], 7, "forwarding.deny", /must be Array/],
    ["timeout_ms as a string", ["forwarding:", '  timeout_ms: "30"'], 7, "forwarding.timeout_ms", /must be number/],
    ["timeout_ms zero", ["forwarding:", "  timeout_ms: 0"], 7, "forwarding.timeout_ms", /at least 1/],
    ["a fractional cache ttl", ["forwarding:", "  default_cache_ttl: 1.5"], 7, "forwarding.default_cache_ttl", /integer/],
    ["a negative max body", ["forwarding:", "  max_body_bytes: -1"], 7, "forwarding.max_body_bytes", /0 or more/],
    ["allow as a mapping", ["forwarding:", "  allow: {pattern: /a}"], 7, "forwarding.allow", /must be Array/],
    ["methods as a string", ["forwarding:", "  allow:", "    - {pattern: /a, methods: GET}"], 8, "forwarding.allow[0].methods", /must be Array/],
    ["an empty methods list", ["forwarding:", "  allow:", "    - {pattern: /a, methods: []}"], 8, "forwarding.allow[0].methods", /at least one method/],
    ["sensitive as a string", ["forwarding:", "  allow:", '    - {pattern: /a, sensitive: "true"}'], 8, "forwarding.allow[0].sensitive", /must be boolean/],
    ["treat_writes_as_sensitive as a string", ["forwarding:", "  treat_writes_as_sensitive: no"], 7, "forwarding.treat_writes_as_sensitive", /must be boolean/],
    ["a header value with a newline", ["default_headers:", '  X-A: "a\\r\\nX-B: b"'], 7, "default_headers.X-A", /CR, LF or NUL/],
    ["a bad header name", ["default_headers:", '  "X A": b'], 7, "default_headers.X A", /header name/],
  ])("%s", (_name, rows, line, field, message) => {
    const issues = issuesOf({ providers: [github(...rows)] });
    expect(issues).toEqual([{ file: "github.yaml", line, field, message: expect.stringMatching(message) }]);
  });

  it("an env name that is not a variable name", () => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", "auth:", "  type: bearer_static", "  env: GH-TOKEN")];
    expect(issuesOf({ providers })).toEqual([
      { file: "p.yaml", line: 5, field: "auth.env", message: expect.stringContaining("environment variable name") },
    ]);
  });

  it("an upper-case provider name", () => {
    const providers = [src("p.yaml", "name: GitHub", "base_url: https://p.example", "auth: {type: none}")];
    expect(issuesOf({ providers })).toEqual([{ file: "p.yaml", line: 1, field: "name", message: expect.stringContaining("lower case") }]);
  });

  it("a missing required field and an empty file", () => {
    expect(issuesOf({ providers: [src("p.yaml", "name: p", "auth: {type: none}")] })).toEqual([
      { file: "p.yaml", line: 1, field: "base_url", message: "is required" },
    ]);
    expect(issuesOf({ providers: [{ file: "empty.yaml", text: "" }] })).toEqual([
      { file: "empty.yaml", line: undefined, field: "", message: expect.stringContaining("must be Object") },
    ]);
  });

  it("a host with a string for can_call_sensitive and no cidrs", () => {
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", '    can_call_sensitive: "true"', "  - id: b", "    cidrs: []");
    expect(issuesOf({ hosts })).toEqual([
      { file: "hosts.yaml", line: 2, field: "hosts[0].cidrs", message: "is required" },
      { file: "hosts.yaml", line: 3, field: "hosts[0].can_call_sensitive", message: expect.stringMatching(/must be boolean/) },
      { file: "hosts.yaml", line: 5, field: "hosts[1].cidrs", message: "must list at least one CIDR" },
    ]);
  });
});

describe("loadConfig: auth blocks", () => {
  it("an unknown auth type", () => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", "auth:", "  type: oauth9", "  env: X")];
    expect(issuesOf({ providers })).toEqual([{ file: "p.yaml", line: 4, field: "auth.type", message: 'unknown auth type "oauth9"' }]);
  });

  it("an auth block without a type", () => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", "auth:", "  env: X")];
    expect(issuesOf({ providers })).toEqual([{ file: "p.yaml", line: 3, field: "auth.type", message: "is required" }]);
  });

  it("bearer_static needs exactly one of env and value", () => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", "auth: {type: bearer_static, env: A, value: b}")];
    expect(issuesOf({ providers, env: { A: "x" } })).toEqual([
      { file: "p.yaml", line: 3, field: "auth", message: "needs exactly one of env or value" },
    ]);
  });

  it("user_env/pass_env aliases are accepted", () => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", "auth: {type: basic_auth, user_env: U, pass_env: P}")];
    expect(load({ providers, env: { U: "u", P: "p" } }).providers.get("p")?.authType).toBe("basic_auth");
  });

  it.each([
    ["username_env and user_env", "{type: basic_auth, username_env: U, user_env: U, pass_env: P}", "needs exactly one of username_env or user_env"],
    ["password_env and pass_env", "{type: basic_auth, user_env: U, password_env: P, pass_env: P}", "needs exactly one of password_env or pass_env"],
    ["no password at all", "{type: basic_auth, username_env: U}", "needs exactly one of password_env or pass_env"],
  ])("basic_auth refuses %s", (_name, auth, message) => {
    const providers = [src("p.yaml", "name: p", "base_url: https://p.example", `auth: ${auth}`)];
    expect(issuesOf({ providers, env: { U: "u", P: "p" } })).toEqual([{ file: "p.yaml", line: 3, field: "auth", message }]);
  });

  it("custom_headers needs {env} or {value} for each header and at least one header", () => {
    const providers = [
      src("p.yaml", "name: p", "base_url: https://p.example", "auth:", "  type: custom_headers", "  headers:", "    X-A: {env: A, value: b}"),
      src("q.yaml", "name: q", "base_url: https://q.example", "auth: {type: custom_headers, headers: {}}"),
    ];
    expect(issuesOf({ providers, env: { A: "a" } })).toEqual([
      { file: "p.yaml", line: 6, field: "auth.headers.X-A", message: "must be {env: NAME} or {value: TEXT}" },
      { file: "q.yaml", line: 3, field: "auth.headers", message: "must name at least one header" },
    ]);
  });
});

describe("loadConfig: invalid YAML through loadConfig (SEC-109)", () => {
  it("a tab in a provider and an unclosed quote in the hosts file, reported together", () => {
    const providers = [src("github.yaml", "name: github", "base_url: https://api.github.com", "auth:", "\ttype: none")];
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", '    description: "read-only', '    cidrs: ["10.0.0.0/8"]');
    const issues = issuesOf({ providers, hosts });
    expect(issues).toEqual([
      { file: "github.yaml", line: 4, field: "", message: expect.stringMatching(/^invalid YAML: Tabs/) },
      { file: "hosts.yaml", line: 3, field: "hosts[0].description", message: 'invalid YAML: Missing closing "quote' },
    ]);
  });

  it("duplicate keys in one mapping", () => {
    const issues = issuesOf({ providers: [github("forwarding:", '  deny: ["/user/keys"]', '  deny: ["/orgs"]')] });
    expect(issues).toEqual([{ file: "github.yaml", line: 8, field: "forwarding.deny", message: "invalid YAML: Map keys must be unique" }]);
  });
});

describe("loadConfig: duplicate provider names", () => {
  it("errs on the second file, naming the first", () => {
    const second = src("github-copy.yaml", "# a copy", "name: github", "base_url: https://api.github.com", "auth: {type: none}");
    expect(issuesOf({ providers: [github(), second] })).toEqual([
      { file: "github-copy.yaml", line: 2, field: "name", message: 'duplicate provider name "github" (also defined in github.yaml)' },
    ]);
  });

  it("errs even when one of the two is disabled", () => {
    const second = src("github-off.yaml", "name: github", "enabled: false", "base_url: https://api.github.com", "auth: {type: none}");
    expect(issuesOf({ providers: [github(), second] })).toEqual([
      { file: "github-off.yaml", line: 1, field: "name", message: expect.stringContaining("duplicate provider name") },
    ]);
  });
});

describe("loadConfig: secrets (SEC-111)", () => {
  it.each([
    ["unset", {}],
    ["empty", { GH_TOKEN: "" }],
  ])("a %s secret for an enabled provider names the variable and its field", (_name, env) => {
    const error = configError({ env });
    expect(error.issues).toEqual([{ file: "github.yaml", line: 5, field: "auth.env", message: "secret GH_TOKEN is not set (or empty)" }]);
    expect(error.message).toBe("github.yaml:5 auth.env: secret GH_TOKEN is not set (or empty)");
  });

  it("no error for a disabled provider with a missing secret, and it is not loaded", () => {
    const off = src("slack.yaml", "name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: bearer_static, env: SLACK_TOKEN}");
    const config = load({ providers: [github(), off], env: { GH_TOKEN: "x" } });
    expect([...config.providers.keys()]).toEqual(["github"]);
  });

  it("names each missing variable of basic_auth and custom_headers at its own line", () => {
    const providers = [
      src("b.yaml", "name: b", "base_url: https://b.example", "auth:", "  type: basic_auth", "  user_env: B_USER", "  password_env: B_PASS"),
      src("c.yaml", "name: c", "base_url: https://c.example", "auth:", "  type: custom_headers", "  headers:", "    X-Team: {value: t}", "    X-Key: {env: C_KEY}"),
      src("q.yaml", "name: q", "base_url: https://q.example", "auth: {type: api_key_query, env: Q_KEY, param: key}"),
    ];
    expect(issuesOf({ providers, env: { B_USER: "u" } })).toEqual([
      { file: "b.yaml", line: 6, field: "auth.password_env", message: "secret B_PASS is not set (or empty)" },
      { file: "c.yaml", line: 7, field: "auth.headers.X-Key.env", message: "secret C_KEY is not set (or empty)" },
      { file: "q.yaml", line: 3, field: "auth.env", message: "secret Q_KEY is not set (or empty)" },
    ]);
  });

  it.each([
    ["unset", {}],
    ["empty", { PSK_R: "" }],
  ])("a host's auth_token_env %s", (_name, extra) => {
    const hosts = hostsWith('    cidrs: ["10.0.1.0/24"]', "    auth_token_env: PSK_R");
    const error = configError({ hosts, env: { GH_TOKEN: "x", ...extra } });
    expect(error.issues).toEqual([
      { file: "hosts.yaml", line: 4, field: "hosts[0].auth_token_env", message: "secret PSK_R is not set (or empty)" },
    ]);
    expect(error.message).toBe("hosts.yaml:4 hosts[0].auth_token_env: secret PSK_R is not set (or empty)");
  });
});

describe("loadConfig: CIDRs (SEC-114)", () => {
  const BAD: [string, RegExp][] = [
    ["10.0.3.10/3s", /prefix "3s"/],
    ["10.0.1.0/33", /longer than 32/],
    ["010.0.1.0/24", /leading zero/],
    ["10.0.1/24", /four dotted/],
    ["0x0a.0.1.0/24", /hex/],
    ["10.0.1.5/24", /host bits set; did you mean 10\.0\.1\.0\/24\?/],
  ];

  it.each(BAD)("%s in cidrs", (cidr, reason) => {
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", "    cidrs:", '      - "10.9.0.0/16"', `      - "${cidr}"`);
    const issues = issuesOf({ hosts });
    expect(issues).toEqual([{ file: "hosts.yaml", line: 5, field: "hosts[0].cidrs[1]", message: expect.stringMatching(reason) }]);
    expect(issues[0]!.message).toContain(`"${cidr}"`);
    expect(issues[0]!.message).not.toMatch(/invalid CIDR.*invalid CIDR/);
  });

  it.each(BAD)("%s in trusted_proxies", (cidr, reason) => {
    const hosts = src("hosts.yaml", "trusted_proxies:", '  - "10.0.0.5/32"', `  - "${cidr}"`, "hosts:", "  - id: a", '    cidrs: ["10.0.1.0/24"]');
    expect(issuesOf({ hosts })).toEqual([
      { file: "hosts.yaml", line: 3, field: "trusted_proxies[1]", message: expect.stringMatching(reason) },
    ]);
  });

  it.each(BAD)("%s in the TRUSTED_PROXIES env string", (cidr, reason) => {
    const issues = issuesOf({ trustedProxies: `10.0.0.5/32, ${cidr}` });
    expect(issues).toEqual([{ file: "<env TRUSTED_PROXIES>", line: undefined, field: "[1]", message: expect.stringMatching(reason) }]);
    expect(issues[0]!.message).toContain(`"${cidr}"`);
  });

  it("accepts canonical v4, v6 and bare addresses everywhere", () => {
    const hosts = src(
      "hosts.yaml",
      'trusted_proxies: ["10.0.0.5/32", "10.0.0.6", "fd00::1/128"]',
      "hosts:",
      "  - id: a",
      '    cidrs: ["10.0.1.0/24", "0.0.0.0/0", "::/0", "2001:db8::/32", "192.168.1.1"]',
    );
    expect(() => load({ hosts, trustedProxies: "10.1.0.0/16,::1" })).not.toThrow();
  });

  it("an empty TRUSTED_PROXIES is no proxies", () => {
    expect(load({ trustedProxies: "  " }).hasTrustedProxies).toBe(false);
  });
});

describe("loadConfig: hosts", () => {
  it("duplicate host ids name the second", () => {
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", '    cidrs: ["10.0.1.0/24"]', "  - id: a", '    cidrs: ["10.0.2.0/24"]');
    expect(issuesOf({ hosts })).toEqual([{ file: "hosts.yaml", line: 4, field: "hosts[1].id", message: 'duplicate host id "a"' }]);
  });

  it("a host granting an unknown provider; a disabled one is fine", () => {
    const off = src("slack.yaml", "name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: none}");
    const hosts = hostsWith('    cidrs: ["10.0.1.0/24"]', "    providers:", "      - github", "      - slack", "      - gitlab");
    expect(issuesOf({ providers: [github(), off], hosts })).toEqual([
      { file: "hosts.yaml", line: 7, field: "hosts[0].providers[2]", message: 'unknown provider "gitlab"' },
    ]);
  });
});

describe("loadConfig: allow rule spellings", () => {
  const withRules = (...rules: string[]) => github("forwarding:", "  mode: allowlist", "  allow:", ...rules);

  it("pattern/path and method/methods are both accepted and normalised", () => {
    const config = load({
      providers: [
        withRules(
          "    - {pattern: /a, method: get}",
          "    - {path: /b, methods: [GET, post]}",
          "    - {path: /c}",
          '    - {pattern: /d, method: "*"}',
        ),
      ],
    });
    const allow = config.providers.get("github")!.config.forwarding.allow;
    expect(allow).toEqual([
      { pattern: "/a", methods: ["GET"] },
      { pattern: "/b", methods: ["GET", "POST"] },
      { pattern: "/c", methods: ["*"] },
      { pattern: "/d", methods: ["*"] },
    ]);
  });

  it("both spellings at once, or neither, are refused", () => {
    const issues = issuesOf({
      providers: [
        withRules(
          "    - {pattern: /a, path: /a}", // 9
          "    - {pattern: /b, method: GET, methods: [GET]}", // 10
          "    - {method: GET}", // 11
        ),
      ],
    });
    expect(issues).toEqual([
      { file: "github.yaml", line: 9, field: "forwarding.allow[0]", message: "needs exactly one of pattern or path" },
      { file: "github.yaml", line: 10, field: "forwarding.allow[1]", message: "use method or methods, not both" },
      { file: "github.yaml", line: 11, field: "forwarding.allow[2]", message: "needs exactly one of pattern or path" },
    ]);
  });

  it("a pattern that does not compile is refused", () => {
    const issues = issuesOf({ providers: [withRules('    - {pattern: "repos/**"}')] });
    expect(issues).toEqual([{ file: "github.yaml", line: 9, field: "forwarding.allow[0]", message: expect.stringContaining("repos/**") }]);
  });

  it("a deny entry that does not compile is refused at its own line, also when the provider is disabled", () => {
    const text = ["name: github", "enabled: false", "base_url: https://api.github.com", "auth: {type: bearer_static, env: GH_TOKEN}", "forwarding:", "  deny:", '    - "/ok"', '    - "keys*"'].join("\n");
    const issues = issuesOf({ providers: [{ file: "github.yaml", text }] });
    expect(issues).toEqual([{ file: "github.yaml", line: 8, field: "forwarding.deny[1]", message: expect.stringContaining("keys*") }]);
  });
});

describe("loadConfig: base_url (DESIGN §2.1)", () => {
  const withBase = (base: string, ...extra: string[]) => [src("p.yaml", "name: p", `base_url: ${base}`, "auth: {type: none}", ...extra)];

  it.each(["https://api.example.com", "http://127.0.0.1:8080", "http://127.9.9.9/x", "http://localhost:3000/api", "http://[::1]:9000"])(
    "accepts %s without a warning",
    (base) => {
      expect(load({ providers: withBase(base) }).warnings).toEqual([]);
    },
  );

  it.each([
    ["http://api.example.com", /plain http is only allowed for loopback/],
    ["http://localhost.evil.example", /plain http is only allowed for loopback/],
    ["http://127.0.0.1.nip.io", /plain http is only allowed for loopback/],
    ["http://10.0.0.1", /plain http is only allowed for loopback/],
    ["https://user:pass@api.example.com", /must not contain credentials/],
    ["https://token@api.example.com", /must not contain credentials/],
    ["https://api.example.com/?key=1", /must not contain a query or fragment/],
    ["https://api.example.com/?", /must not contain a query or fragment/],
    ["https://api.example.com/#x", /must not contain a query or fragment/],
    ["ftp://api.example.com", /must be an http\(s\) URL/],
    ["api.example.com", /must be an absolute URL/],
  ])("refuses %s", (base, message) => {
    expect(issuesOf({ providers: withBase(base) })).toEqual([{ file: "p.yaml", line: 2, field: "base_url", message: expect.stringMatching(message) }]);
  });

  it("insecure_http: true allows plain http with a warning", () => {
    const config = load({ providers: withBase("http://10.0.0.1:8080/api", "insecure_http: true") });
    expect(config.providers.get("p")).toMatchObject({ origin: "http://10.0.0.1:8080", basePath: "/api" });
    expect(config.warnings).toEqual(["p.yaml: provider p sends credentials over plain http (insecure_http: true)"]);
  });

  it("insecure_http: true does not allow userinfo", () => {
    expect(issuesOf({ providers: withBase("http://u:p@10.0.0.1", "insecure_http: true") })).toEqual([
      { file: "p.yaml", line: 2, field: "base_url", message: expect.stringMatching(/credentials/) },
    ]);
  });
});

describe("loadConfig: default provider", () => {
  it("is matched case-insensitively and trimmed", () => {
    expect(load({ defaultProvider: " GitHub " }).defaultProvider).toBe("github");
  });

  it("a blank value means none", () => {
    expect(load({ defaultProvider: "  " }).defaultProvider).toBeUndefined();
  });

  it.each(["gitlab", "slack"])("refuses %s (unknown or disabled)", (name) => {
    const off = src("slack.yaml", "name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: none}");
    expect(issuesOf({ providers: [github(), off], defaultProvider: name })).toEqual([
      { file: "<env DEFAULT_PROVIDER>", line: undefined, field: "", message: `default provider "${name}" is not an enabled provider` },
    ]);
  });
});

describe("loadConfig: every issue at once", () => {
  it("collects issues from every file and the environment", () => {
    const slack = src("slack.yaml", "name: slack", "base_url: https://slack.com/api", "auth: {type: bearer_static, env: SLACK_TOKEN}");
    const hosts = src("hosts.yaml", "hosts:", "  - id: a", '    cidrs: ["010.0.1.0/24"]', "    providers: [gitlab]");
    const error = configError({
      providers: [github("forwading: {}"), slack],
      hosts,
      env: { GH_TOKEN: "x" },
      trustedProxies: "10.0.1.5/24",
      defaultProvider: "nope",
    });
    expect(error.issues).toEqual([
      { file: "github.yaml", line: 6, field: "forwading", message: "unknown key" },
      { file: "slack.yaml", line: 3, field: "auth.env", message: "secret SLACK_TOKEN is not set (or empty)" },
      { file: "hosts.yaml", line: 4, field: "hosts[0].providers[0]", message: 'unknown provider "gitlab"' },
      { file: "hosts.yaml", line: 3, field: "hosts[0].cidrs[0]", message: expect.stringContaining("leading zero") },
      { file: "<env TRUSTED_PROXIES>", line: undefined, field: "[0]", message: expect.stringContaining("host bits set") },
      { file: "<env DEFAULT_PROVIDER>", line: undefined, field: "", message: 'default provider "nope" is not an enabled provider' },
    ]);
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe("github.yaml:6 forwading: unknown key");
    expect(lines[1]).toBe("slack.yaml:3 auth.env: secret SLACK_TOKEN is not set (or empty)");
    expect(lines[3]).toMatch(/^hosts\.yaml:3 hosts\[0\]\.cidrs\[0\]: /);
    expect(lines[4]).toMatch(/^<env TRUSTED_PROXIES> \[0\]: /);
  });
});

describe("loadConfig: no secret value in any ConfigError", () => {
  const sentinel = `SENTINEL-${crypto.randomUUID()}`;

  it("across every kind of issue, with every variable set to the sentinel", () => {
    const names = ["GH_TOKEN", "U", "P", "C_KEY", "Q_KEY", "H_KEY", "PSK_R", "PSK_X", "X"];
    const record = Object.fromEntries(names.map((name) => [name, sentinel]));
    const providers = [
      github("forwading: {}", "  tokn: 1"),
      src("b.yaml", "name: b", "base_url: http://b.example", "auth: {type: basic_auth, user_env: U, pass_env: P}"),
      src("c.yaml", "name: c", "base_url: https://c.example", "auth: {type: custom_headers, headers: {X-K: {env: C_KEY}, X-Bad: {env: C_KEY, value: v}}}"),
      src("q.yaml", "name: q", "base_url: https://u@q.example", "auth: {type: api_key_query, env: Q_KEY, param: key}"),
      src("h.yaml", "name: h", "base_url: https://h.example", "auth: {type: api_key_header, env: H_KEY, header: X-Key}", "forwarding: {mode: Allowlist}"),
      src("t.yaml", "name: t", "base_url: https://t.example", "auth:", "\ttype: none"),
      src("b.yaml", "name: b", "base_url: https://b2.example", "auth: {type: none}"),
      src("x.yaml", "name: x", "base_url: https://x.example", "auth: {type: bearer_static, env: X, value: inline}"),
    ];
    const hosts = src(
      "hosts.yaml",
      'trusted_proxies: ["10.0.0.5/24"]',
      "hosts:",
      "  - id: a",
      '    cidrs: ["010.0.0.0/8"]',
      "    auth_token_env: PSK_R",
      "    providers: [nope]",
      "  - id: a",
      '    cidrs: ["10.1.0.0/16"]',
      "    auth_token_env: PSK_X",
    );
    const error = configError({ providers, hosts, env: record, trustedProxies: "0x0a.0.0.0/8", defaultProvider: "zzz" });
    expect(error.issues.length).toBeGreaterThan(8);
    expect(error.message).not.toContain(sentinel);
    expect(JSON.stringify(error.issues)).not.toContain(sentinel);
    expect(String(error.stack)).not.toContain(sentinel);
  });

  it("with secrets set to the sentinel for providers that then fail elsewhere", () => {
    const providers = [
      github("forwarding:", "  deny: [/a", "  mode: x"), // invalid YAML after the secret reference
      src("p.yaml", "name: p", "base_url: http://p.example", "auth: {type: bearer_static, env: GH_TOKEN}"),
      src("g.yaml", "name: g", "base_url: https://g.example", "auth: {type: bearer_static, env: GH_TOKEN}", "forwarding: {allow: [{pattern: nope}]}"),
    ];
    const error = configError({ providers, env: { GH_TOKEN: sentinel }, defaultProvider: sentinel.slice(0, 5) });
    expect(error.message).not.toContain(sentinel);
  });

  it("an empty secret and a missing one name variables only", () => {
    const hosts = hostsWith('    cidrs: ["10.0.1.0/24"]', "    auth_token_env: PSK_R");
    const error = configError({ hosts, env: { GH_TOKEN: "", OTHER: sentinel } });
    expect(error.message).toBe(
      ["github.yaml:5 auth.env: secret GH_TOKEN is not set (or empty)", "hosts.yaml:4 hosts[0].auth_token_env: secret PSK_R is not set (or empty)"].join("\n"),
    );
  });

  it("a valid config lists the sentinel among secretValues (sanity check of the fixture)", () => {
    expect(load({ env: { GH_TOKEN: sentinel } }).secretValues).toEqual([sentinel]);
  });
});
