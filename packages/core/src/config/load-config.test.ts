import { describe, expect, it } from "vitest";
import { parseIp } from "../host/ip.js";
import { src, github, load, issuesOf } from "./load-config-test-kit.js";

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
