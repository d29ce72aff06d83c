/**
 * Method gates, method tricks and the X-Provider header (security-cases.md B, C and E; DESIGN §3
 * steps 1, 4, 7 and 8; invariant 6: only GET, HEAD and OPTIONS are safe).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, FROM, RESEARCH_GRANTS, startFixture } from "./support/fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
});

describe("SEC-23 method gates in allowlist mode", () => {
  it("SEC-23 DELETE on a GET-only route has no route (404), nothing forwarded", async () => {
    await fx.refused({ as: "exec", method: "DELETE", target: "/repos/x/y" }, 404, "PROXY_NO_ROUTE");
  });

  it("SEC-23 PUT on a POST-only route has no route (404), nothing forwarded", async () => {
    await fx.refused({ as: "exec", method: "PUT", target: "/repos/x/y/issues", body: "{}" }, 404, "PROXY_NO_ROUTE");
  });

  it("SEC-23 a write (POST issues) from a host without can_call_sensitive is 403 PROXY_SENSITIVE_DENIED", async () => {
    await fx.refused({ method: "POST", target: "/repos/a/b/issues", body: '{"title":"x"}' }, 403, "PROXY_SENSITIVE_DENIED");
    await fx.refused({ as: "lan", method: "POST", target: "/repos/a/b/issues", body: '{"title":"x"}' }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("SEC-23 the same write from exec is forwarded exactly once, as POST /api/repos/a/b/issues with its body", async () => {
    fx.upstream.clear();
    const res = await fx.send({ as: "exec", method: "POST", target: "/repos/a/b/issues", body: '{"title":"x"}' });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => `${r.method} ${r.url} ${Buffer.from(r.body).toString()}`)).toEqual(['POST /api/repos/a/b/issues {"title":"x"}']);
  });

  it("a GET rule marked sensitive refuses read-only hosts too", async () => {
    await fx.refused({ target: "/repos/a/b/secrets" }, 403, "PROXY_SENSITIVE_DENIED");
    await fx.refused({ as: "lan", target: "/repos/a/b/secrets" }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it.each([
    ["HEAD", "/repos/a/b/secrets"],
    ["GET", "/repos/a/b/secrets/"],
    ["GET", "/repos/a/b/secrets.json"],
    ["GET", "/repos/a/b/Secrets"],
    ["GET", "/repos/a/b/SECRETS/ACTIONS_TOKEN"],
  ])("a sensitive rule cannot be passed by falling through to a broader rule: %s %s is 403 PROXY_SENSITIVE_DENIED", async (method, target) => {
    await fx.refused({ method, target }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("a host with can_call_sensitive still reaches those readings through the broader rule", async () => {
    fx.upstream.clear();
    const res = await fx.send({ as: "exec", method: "HEAD", target: "/repos/a/b/secrets" });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["HEAD /api/repos/a/b/secrets"]);
  });

  it("a method the allowlist does not name (OPTIONS, PATCH) has no route even on an allowed path", async () => {
    await fx.refused({ as: "exec", method: "OPTIONS", target: "/repos/a/b" }, 404, "PROXY_NO_ROUTE");
    await fx.refused({ as: "exec", method: "PATCH", target: "/repos/a/b", body: "{}" }, 404, "PROXY_NO_ROUTE");
  });

  it("an allowed HEAD is forwarded as HEAD, never upgraded to another method", async () => {
    fx.upstream.clear();
    const res = await fx.send({ method: "HEAD", target: "/repos/a/b/head-check" });
    expect(res.status).toBe(200);
    expect(fx.upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["HEAD /api/repos/a/b/head-check"]);
  });
});

describe("SEC-56 every method but GET, HEAD and OPTIONS is sensitive in transparent mode", () => {
  const EXTENSION = ["PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "MERGE", "PURGE", "LINK", "UNLINK", "SEARCH", "REPORT", "QUERY", "MKCALENDAR", "BIND"];
  it.each(EXTENSION)("SEC-56 %s from a read-only host is 403 PROXY_SENSITIVE_DENIED", async (method) => {
    await fx.refused({ method, provider: "stripe", target: "/v1/x" }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it.each(["POST", "PUT", "PATCH", "DELETE"])("standard write %s from a read-only host is 403 PROXY_SENSITIVE_DENIED", async (method) => {
    await fx.refused({ method, provider: "stripe", target: "/v1/charges", body: "{}" }, 403, "PROXY_SENSITIVE_DENIED");
  });

  it("the safe methods GET, HEAD and OPTIONS pass for a read-only host", async () => {
    fx.upstream.clear();
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const res = await fx.send({ method, provider: "stripe", target: "/v1/safe" });
      expect({ method, status: res.status }).toEqual({ method, status: 200 });
    }
    expect(fx.upstream.requests.map((r) => r.method)).toEqual(["GET", "HEAD", "OPTIONS"]);
  });
});

describe("SEC-51 method-override headers are rejected (invariant 6)", () => {
  const CASES = [
    { provider: "github", method: "GET", target: "/search/code", header: "X-HTTP-Method-Override", value: "DELETE" },
    { provider: "github", method: "POST", target: "/search/code", header: "X-HTTP-Method", value: "DELETE" },
    { provider: "github", method: "POST", target: "/search/code", header: "X-Method-Override", value: "PUT" },
    { provider: "stripe", method: "GET", target: "/v1/customers/c1", header: "X-HTTP-Method-Override", value: "DELETE" },
  ];
  it.each(CASES)("SEC-51 $header: $value on $method $target ($provider) is 400 for research and exec", async ({ provider, method, target, header, value }) => {
    for (const as of ["research", "exec"] as const) {
      await fx.refused({ as, provider, method, target, headers: [[header, value]], ...(method === "POST" ? { body: "{}" } : {}) }, 400, "PROXY_BAD_REQUEST");
    }
  });

  it("SEC-51 an override header is rejected in any letter case, with a harmless value, and when nominated in Connection", async () => {
    await fx.refused({ as: "exec", target: "/repos/a/b", headers: [["x-http-method-override", "GET"]] }, 400, "PROXY_BAD_REQUEST");
    await fx.refused({ as: "exec", target: "/repos/a/b", headers: [["X-METHOD-OVERRIDE", "DELETE"]] }, 400, "PROXY_BAD_REQUEST");
    await fx.refused({ as: "exec", target: "/repos/a/b", headers: [["Connection", "X-HTTP-Method-Override"], ["X-HTTP-Method-Override", "DELETE"]] }, 400, "PROXY_BAD_REQUEST");
  });
});

describe("SEC-54 TRACE, TRACK and CONNECT", () => {
  it.each([
    { as: "research", provider: "github", target: "/repos/x/y" },
    { as: "exec", provider: "stripe", target: "/v1/x" },
    { as: "exec", provider: "jira", target: "/rest/x" },
  ] as const)("SEC-54 TRACE $target ($provider, from $as) is 405 PROXY_METHOD_NOT_ALLOWED", async ({ as, provider, target }) => {
    await fx.refused({ as, provider, method: "TRACE", target }, 405, "PROXY_METHOD_NOT_ALLOWED");
  });

  it("SEC-54 TRACK never reaches an upstream (4xx from the parser or the proxy)", async () => {
    const res = await fx.nothingForwarded(() => fx.send({ as: "exec", provider: "stripe", method: "TRACK", target: "/v1/x" }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("SEC-28 / SEC-29 the provider header", () => {
  it("SEC-28 two identical X-Provider lines are 400 PROXY_BAD_REQUEST", async () => {
    await fx.refused({ as: "exec", provider: null, target: "/repos/a/b", headers: [["X-Provider", "github"], ["X-Provider", "github"]] }, 400, "PROXY_BAD_REQUEST");
  });

  it("SEC-28 conflicting X-Provider lines (github then stripe, in any case) are 400 PROXY_BAD_REQUEST", async () => {
    await fx.refused({ as: "exec", provider: null, target: "/v1/x", headers: [["X-Provider", "github"], ["x-provider", "stripe"]] }, 400, "PROXY_BAD_REQUEST");
    await fx.refused({ as: "exec", provider: null, target: "/v1/x", headers: [["x-PROVIDER", "stripe"], ["X-Provider", "github"]] }, 400, "PROXY_BAD_REQUEST");
  });

  it("SEC-28 one line naming two providers is refused with 400", async () => {
    await fx.refused({ as: "exec", provider: "github, stripe", target: "/repos/a/b" }, 400, ["PROXY_BAD_REQUEST", "PROXY_UNKNOWN_PROVIDER"]);
    await fx.refused({ as: "exec", provider: "github,stripe", target: "/repos/a/b" }, 400, ["PROXY_BAD_REQUEST", "PROXY_UNKNOWN_PROVIDER"]);
  });

  it("SEC-29 an unknown provider from an unknown address is 403 PROXY_HOST_DENIED, listing nothing (no enumeration before authentication)", async () => {
    const res = await fx.refused({ from: FROM.unknown, provider: "gitlab", target: "/x" }, 403, "PROXY_HOST_DENIED");
    expect(res.json().error.metadata).toBeNull();
    expect(res.text).not.toMatch(/github|stripe|research|exec|127\.0\.0\./);
  });

  it("SEC-29 an unknown provider from research lists only research's grants in metadata.available", async () => {
    const res = await fx.refused({ provider: "gitlab", target: "/x" }, 400, "PROXY_UNKNOWN_PROVIDER");
    expect(res.json().error.metadata.available).toEqual(RESEARCH_GRANTS);
  });

  it("SEC-29 an unknown provider before the PSK check is still 401 (no enumeration without the key)", async () => {
    const res = await fx.refused({ psk: null, provider: "gitlab", target: "/x" }, 401, "PROXY_AUTH_REQUIRED");
    expect(res.text).not.toMatch(/github|stripe/);
  });

  it("SEC-29 the raw X-Provider value is never echoed (no reflection)", async () => {
    for (const provider of ["<script>alert(1)</script>", "gitlab\"},{\"x\":1", "%3Cscript%3E"]) {
      const res = await fx.refused({ provider, target: "/x" }, 400, ["PROXY_UNKNOWN_PROVIDER", "PROXY_BAD_REQUEST"]);
      expect(res.text).not.toContain(provider);
      expect(res.text).not.toContain("script");
    }
  });

  it("a disabled provider is unknown", async () => {
    const res = await fx.refused({ as: "exec", provider: "off", target: "/x" }, 400, "PROXY_UNKNOWN_PROVIDER");
    expect(res.json().error.metadata.available).not.toContain("off");
  });

  it("a provider the host is not granted is 403 PROXY_PROVIDER_DENIED", async () => {
    await fx.refused({ provider: "custom", target: "/x" }, 403, "PROXY_PROVIDER_DENIED");
    await fx.refused({ provider: "store", target: "/x" }, 403, "PROXY_PROVIDER_DENIED");
  });

  it("no X-Provider and no default provider is 400 PROXY_UNKNOWN_PROVIDER", async () => {
    await fx.refused({ provider: null, target: "/repos/a/b" }, 400, "PROXY_UNKNOWN_PROVIDER");
  });

  it("an empty X-Provider value is refused", async () => {
    await fx.refused({ as: "exec", provider: "", target: "/repos/a/b" }, 400, ["PROXY_UNKNOWN_PROVIDER", "PROXY_BAD_REQUEST"]);
  });

  it("X-Provider is matched case-insensitively and never forwarded", async () => {
    fx.upstream.clear();
    const res = await fx.send({ provider: "GitHub", target: "/repos/a/b" });
    expect(res.status).toBe(200);
    expect(res.header("x-proxy-provider")).toBe("github");
    const names = fx.upstream.requests[0]!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).not.toContain("x-provider");
  });

  it("management endpoints need a matching host and its PSK; /healthz answers anyone without detail", async () => {
    await fx.refused({ from: FROM.unknown, provider: null, target: "/providers" }, 403, "PROXY_HOST_DENIED");
    await fx.refused({ psk: null, provider: null, target: "/providers" }, 401, "PROXY_AUTH_REQUIRED");
    await fx.refused({ from: FROM.unknown, provider: null, target: "/openapi.json" }, 403, "PROXY_HOST_DENIED");
    await fx.refused({ psk: null, provider: null, target: "/openapi.json" }, 401, "PROXY_AUTH_REQUIRED");
    const health = await fx.send({ from: FROM.unknown, provider: null, target: "/healthz" });
    expect([health.status, health.json()]).toEqual([200, { status: "ok" }]);
  });

  it("/providers lists only the host's grants and never a secret or its variable name", async () => {
    const res = await fx.send({ provider: null, target: "/providers" });
    expect(res.status).toBe(200);
    expect(res.json().providers.map((p: { name: string }) => p.name)).toEqual(RESEARCH_GRANTS);
    expect(res.text).not.toMatch(/SNTL_|GH_TOKEN|PSK_|_env/);
  });
});

describe("log injection (DESIGN §8: one JSON line per request)", () => {
  it("JSON and control characters in the provider header, path or query never break or forge a log line", async () => {
    fx.logs.clear();
    const attempts = [
      { provider: 'x","status":200,"host":"exec', target: "/repos/a/b" },
      { provider: "github", target: '/repos/a/"},{"status":200' },
      { provider: "github", target: "/repos/a/b%0A%7B%22status%22:200%7D" },
      { provider: "github", target: '/repos/a/b?q="},{"status":200&k=%0A' },
    ];
    for (const attempt of attempts) await fx.send({ as: "exec", ...attempt });
    const lines = fx.logs.json() as { status: number; host: string; provider: string | null; path: string | null }[];
    expect(lines).toHaveLength(attempts.length);
    expect(lines.map((l) => l.host)).toEqual(Array(attempts.length).fill("exec"));
    expect(lines.map((l) => l.status)).toEqual([400, 200, 400, 200]);
    expect(lines[0]!.provider ?? null).toBeNull();
    expect(lines[1]!.path).toBe("/repos/a/%22%7D,%7B%22status%22:200");
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
