import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ForwardingSchema } from "../config/provider-schema.js";
import { compileRoutePolicy, SAFE_METHODS } from "./route-policy.js";

/** Goes through the real schema so defaults and `path`/`method` normalisation apply. */
const policy = (forwarding: v.InferInput<typeof ForwardingSchema>) => compileRoutePolicy(v.parse(ForwardingSchema, forwarding));

const SAFE = ["GET", "HEAD", "OPTIONS"];
const UNSAFE = ["POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PURGE", "PROPFIND"];
const ALL = [...SAFE, ...UNSAFE];

const allow = (rule: string, extra: Partial<{ category: string; sensitive: boolean; cacheTtlSeconds: number }> = {}) => ({
  effect: "allow",
  rule,
  category: "default",
  sensitive: false,
  cacheTtlSeconds: 0,
  reason: rule === "*" ? "transparent mode" : `allowed by "${rule}"`,
  ...extra,
});

const denied = (entry: string) => ({ effect: "deny", code: "PROXY_PATH_DENIED", rule: entry, reason: `path is denied by "${entry}"` });
const NO_ROUTE = { effect: "deny", code: "PROXY_NO_ROUTE", rule: undefined, reason: "no allow rule matches this method and path" };

describe("SAFE_METHODS", () => {
  it("is exactly GET, HEAD and OPTIONS", () => {
    expect([...SAFE_METHODS].sort()).toEqual(["GET", "HEAD", "OPTIONS"]);
  });
});

describe("compileRoutePolicy: deny comes first", () => {
  const rules = [
    { pattern: "/user/**", method: "*" },
    { pattern: "/user/keys", method: "*", sensitive: false },
    { pattern: "/orgs/*/members", method: "*" },
  ];

  for (const mode of ["transparent", "allowlist"] as const) {
    const p = policy({ mode, allow: rules, deny: ["/user/keys", "/orgs/*/members"] });

    it.each(ALL)(`${mode}: %s on a denied path is denied even though an allow rule matches`, (method) => {
      expect(p.evaluate(method, "/user/keys")).toEqual(denied("/user/keys"));
      expect(p.evaluate(method, "/user/keys/123")).toEqual(denied("/user/keys"));
      expect(p.evaluate(method, "/user/keys.json")).toEqual(denied("/user/keys"));
      expect(p.evaluate(method, "/USER/Keys")).toEqual(denied("/user/keys"));
      expect(p.evaluate(method, "/orgs/acme/members")).toEqual(denied("/orgs/*/members"));
    });

    it(`${mode}: a neighbouring path is not denied`, () => {
      expect(p.evaluate("GET", "/user/keyset")).toMatchObject({ effect: "allow", rule: "/user/**" });
      expect(p.evaluate("GET", "/orgs/acme")).toEqual(mode === "allowlist" ? NO_ROUTE : allow("*"));
    });
  }

  it("transparent mode denies with no allow rules at all", () => {
    const p = policy({ deny: ["/admin"] });
    for (const method of ALL) expect(p.evaluate(method, "/admin/x")).toEqual(denied("/admin"));
  });
});

describe("compileRoutePolicy: allowlist matching", () => {
  const p = policy({
    mode: "allowlist",
    allow: [
      { pattern: "/repos/*/*/issues", method: "POST", category: "writes" },
      { pattern: "/repos/**", methods: ["GET", "HEAD"], cache_ttl: 30, category: "reads" },
      { pattern: "/repos/*/*/issues", methods: ["GET"], category: "never-reached" },
      { path: "/search/code", methods: ["GET", "POST"], sensitive: false },
      { pattern: "/anything", method: "*" },
      { pattern: "/omitted" },
      { pattern: "/users/{user}", method: "get" },
    ],
  });

  it("exposes the mode", () => {
    expect(p.mode).toBe("allowlist");
  });

  it("no matching rule is PROXY_NO_ROUTE", () => {
    expect(p.evaluate("GET", "/gists")).toEqual(NO_ROUTE);
    expect(p.evaluate("DELETE", "/repos/a/b")).toEqual(NO_ROUTE); // path matches, method does not
    expect(p.evaluate("PUT", "/search/code")).toEqual(NO_ROUTE);
    expect(p.evaluate("GET", "/repos")).toEqual(NO_ROUTE);
  });

  it("first match wins", () => {
    expect(p.evaluate("GET", "/repos/a/b/issues")).toEqual(allow("/repos/**", { category: "reads", cacheTtlSeconds: 30 }));
    expect(p.evaluate("POST", "/repos/a/b/issues")).toEqual(allow("/repos/*/*/issues", { category: "writes", sensitive: true }));
  });

  it("a rule whose method does not match is skipped for the next one", () => {
    const q = policy({
      mode: "allowlist",
      allow: [
        { pattern: "/x", method: "POST", category: "first" },
        { pattern: "/x", method: "GET", category: "second" },
      ],
    });
    expect(q.evaluate("GET", "/x")).toMatchObject({ effect: "allow", category: "second" });
    expect(q.evaluate("POST", "/x")).toMatchObject({ effect: "allow", category: "first" });
  });

  it.each(ALL)('"*" and an omitted method both match %s', (method) => {
    expect(p.evaluate(method, "/anything")).toMatchObject({ effect: "allow", rule: "/anything" });
    expect(p.evaluate(method, "/omitted")).toMatchObject({ effect: "allow", rule: "/omitted" });
  });

  it("path: and method: spellings, lower-case methods and {param} segments", () => {
    expect(p.evaluate("POST", "/search/code")).toEqual(allow("/search/code"));
    expect(p.evaluate("GET", "/users/octocat")).toEqual(allow("/users/{user}"));
    expect(p.evaluate("GET", "/users/octocat/repos")).toEqual(NO_ROUTE);
  });

  it("allow rules are case-sensitive (unlike deny)", () => {
    expect(p.evaluate("GET", "/REPOS/a/b")).toEqual(NO_ROUTE);
  });
});

describe("compileRoutePolicy: sensitivity in transparent mode", () => {
  it.each(ALL)("%s is sensitive unless it is GET, HEAD or OPTIONS", (method) => {
    const p = policy({});
    expect(p.evaluate(method, "/x")).toEqual(allow("*", { sensitive: !SAFE.includes(method) }));
  });

  it.each(UNSAFE)("treat_writes_as_sensitive: false makes %s non-sensitive", (method) => {
    const p = policy({ treat_writes_as_sensitive: false });
    expect(p.evaluate(method, "/x")).toMatchObject({ effect: "allow", sensitive: false });
  });

  it("a matching rule's own sensitive flag wins over the method default", () => {
    const p = policy({
      allow: [
        { pattern: "/secret", method: "GET", sensitive: true },
        { pattern: "/hooks", method: "POST", sensitive: false },
        { pattern: "/plain", method: "*" },
      ],
    });
    expect(p.evaluate("GET", "/secret")).toEqual(allow("/secret", { sensitive: true }));
    expect(p.evaluate("POST", "/hooks")).toEqual(allow("/hooks", { sensitive: false }));
    expect(p.evaluate("DELETE", "/plain")).toEqual(allow("/plain", { sensitive: true }));
    expect(p.evaluate("GET", "/plain")).toEqual(allow("/plain", { sensitive: false }));
    // a rule that does not match the method falls back to transparent defaults
    expect(p.evaluate("DELETE", "/secret")).toEqual(allow("*", { sensitive: true }));
  });
});

describe("compileRoutePolicy: sensitivity in allowlist mode", () => {
  const rules = [
    { pattern: "/w", methods: ["POST", "PUT", "PATCH", "DELETE", "PURGE"] },
    { pattern: "/w-open", methods: ["POST", "DELETE"], sensitive: false },
    { pattern: "/r", methods: ["GET", "HEAD", "OPTIONS"] },
    { pattern: "/r-secret", method: "GET", sensitive: true },
    { pattern: "/mixed", methods: ["GET", "POST"] },
    { pattern: "/any", method: "*" },
  ];
  const p = policy({ mode: "allowlist", allow: rules });

  it.each(["POST", "PUT", "PATCH", "DELETE", "PURGE"])("a rule for non-safe %s is sensitive by default", (method) => {
    expect(p.evaluate(method, "/w")).toEqual(allow("/w", { sensitive: true }));
  });

  it("sensitive: false opens a non-safe rule", () => {
    expect(p.evaluate("POST", "/w-open")).toEqual(allow("/w-open", { sensitive: false }));
    expect(p.evaluate("DELETE", "/w-open")).toEqual(allow("/w-open", { sensitive: false }));
  });

  it.each(SAFE)("a rule for safe %s is not sensitive by default", (method) => {
    expect(p.evaluate(method, "/r")).toEqual(allow("/r"));
  });

  it("explicit sensitive: true on a GET rule", () => {
    expect(p.evaluate("GET", "/r-secret")).toEqual(allow("/r-secret", { sensitive: true }));
  });

  it("a rule for several methods is sensitive per method", () => {
    expect(p.evaluate("GET", "/mixed")).toMatchObject({ sensitive: false });
    expect(p.evaluate("POST", "/mixed")).toMatchObject({ sensitive: true });
    expect(p.evaluate("GET", "/any")).toMatchObject({ sensitive: false });
    expect(p.evaluate("PATCH", "/any")).toMatchObject({ sensitive: true });
  });

  it("treat_writes_as_sensitive: false does not open allowlist rules (only sensitive: false does)", () => {
    const q = policy({ mode: "allowlist", allow: rules, treat_writes_as_sensitive: false });
    expect(q.evaluate("POST", "/w")).toMatchObject({ effect: "allow", sensitive: true });
    expect(q.evaluate("DELETE", "/any")).toMatchObject({ effect: "allow", sensitive: true });
    expect(q.evaluate("POST", "/w-open")).toMatchObject({ effect: "allow", sensitive: false });
  });
});

describe("compileRoutePolicy: categories and cache_ttl", () => {
  it("category: the rule's, else default_category, else \"default\"", () => {
    const p = policy({ allow: [{ pattern: "/a", category: "special" }, { pattern: "/b" }] });
    expect(p.evaluate("GET", "/a")).toMatchObject({ category: "special" });
    expect(p.evaluate("GET", "/b")).toMatchObject({ category: "default" });
    expect(p.evaluate("GET", "/c")).toMatchObject({ category: "default" });
    const q = policy({ default_category: "bulk", allow: [{ pattern: "/a", category: "special" }, { pattern: "/b" }] });
    expect(q.evaluate("GET", "/a")).toMatchObject({ category: "special" });
    expect(q.evaluate("GET", "/b")).toMatchObject({ category: "bulk" });
    expect(q.evaluate("POST", "/c")).toMatchObject({ category: "bulk" });
  });

  it("transparent mode: default_cache_ttl for safe methods only; a rule's cache_ttl wins", () => {
    const p = policy({ default_cache_ttl: 15, allow: [{ pattern: "/a", cache_ttl: 60 }, { pattern: "/b" }, { pattern: "/z", cache_ttl: 0 }] });
    for (const method of SAFE) {
      expect(p.evaluate(method, "/x")).toMatchObject({ cacheTtlSeconds: 15 });
      expect(p.evaluate(method, "/a")).toMatchObject({ cacheTtlSeconds: 60 });
      expect(p.evaluate(method, "/b")).toMatchObject({ cacheTtlSeconds: 15 });
      expect(p.evaluate(method, "/z")).toMatchObject({ cacheTtlSeconds: 0 });
    }
    for (const method of UNSAFE) {
      expect(p.evaluate(method, "/x")).toMatchObject({ cacheTtlSeconds: 0 });
      expect(p.evaluate(method, "/a")).toMatchObject({ cacheTtlSeconds: 0 });
    }
  });

  it("transparent mode defaults to no caching", () => {
    expect(policy({}).evaluate("GET", "/x")).toMatchObject({ cacheTtlSeconds: 0 });
  });

  it("allowlist mode: only a rule's cache_ttl, safe methods only; default_cache_ttl does not apply", () => {
    const p = policy({
      mode: "allowlist",
      default_cache_ttl: 15,
      allow: [{ pattern: "/a", methods: ["GET", "POST"], cache_ttl: 60 }, { pattern: "/b", method: "GET" }],
    });
    expect(p.evaluate("GET", "/a")).toEqual(allow("/a", { cacheTtlSeconds: 60 }));
    expect(p.evaluate("POST", "/a")).toEqual(allow("/a", { cacheTtlSeconds: 0, sensitive: true }));
    expect(p.evaluate("GET", "/b")).toEqual(allow("/b", { cacheTtlSeconds: 0 }));
  });
});

describe("compileRoutePolicy: sensitive readings", () => {
  const p = policy({
    mode: "allowlist",
    allow: [
      { pattern: "/repos/*/*/secrets", methods: ["GET"], sensitive: true },
      { pattern: "/orgs/{org}/hooks*", methods: ["POST"], sensitive: true },
      { pattern: "/repos/**", methods: ["GET", "HEAD", "POST"] },
      { pattern: "/orgs/**", methods: ["GET", "POST"] },
    ],
  });

  it("finds the sensitive rule behind HEAD, a trailing slash, case, a format suffix and the subtree", () => {
    for (const [method, path] of [
      ["GET", "/repos/a/b/secrets"],
      ["HEAD", "/repos/a/b/secrets"],
      ["GET", "/repos/a/b/secrets/"],
      ["GET", "/repos/a/b/Secrets"],
      ["GET", "/repos/a/b/secrets.json"],
      ["GET", "/repos/a/b/secrets/NAME"],
      ["GET", "/repos/a/b/%53ecrets"],
    ] as const) {
      expect({ method, path, gate: p.sensitiveReading(method, path) }).toEqual({ method, path, gate: "/repos/*/*/secrets" });
    }
  });

  it("a wildcard inside a segment widens to the whole segment", () => {
    expect(p.sensitiveReading("POST", "/orgs/acme/hooks")).toBe("/orgs/{org}/hooks*");
    expect(p.sensitiveReading("POST", "/orgs/acme/anything")).toBe("/orgs/{org}/hooks*");
  });

  it("other methods and unrelated paths are not gated", () => {
    expect(p.sensitiveReading("POST", "/repos/a/b/secrets")).toBeUndefined();
    expect(p.sensitiveReading("GET", "/repos/a/b/secrets-manager")).toBeUndefined();
    expect(p.sensitiveReading("GET", "/repos/a/b/issues")).toBeUndefined();
    expect(p.sensitiveReading("GET", "/orgs/acme/hooks")).toBeUndefined();
  });
});

describe("compileRoutePolicy: invalid patterns", () => {
  it("refuses allow patterns and deny entries that do not start with /", () => {
    expect(() => policy({ allow: [{ pattern: "repos/**" }] })).toThrow(/repos\/\*\*/);
    expect(() => policy({ deny: ["admin"] })).toThrow(/admin/);
  });
});
