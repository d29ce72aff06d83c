import { describe, expect, it } from "vitest";
import { src, github, load, configError, issuesOf } from "./load-config-test-kit.js";

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
