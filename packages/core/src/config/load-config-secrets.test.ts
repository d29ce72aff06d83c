import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/config-error.js";
import { src, github, load, configError, issuesOf, hostsWith } from "./load-config-test-kit.js";

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
