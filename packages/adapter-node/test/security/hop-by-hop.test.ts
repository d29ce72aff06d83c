/**
 * Hop-by-hop and spoofed headers (security-cases.md K; DESIGN §4.2; invariants 1, 2 and 5).
 * Connection-nominated removal runs on the agent's headers only, before the credential is
 * injected; identity and URL-rewrite headers from the agent never reach the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_PATH, expectNoLeaks, type Fixture, FROM, recorded, startFixture } from "./support/fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
});

/** Sends from exec and returns the one request U recorded for it. */
async function forwarded(req: Parameters<Fixture["send"]>[0]) {
  const before = fx.upstream.requests.length;
  const res = await fx.send({ as: "exec", ...req });
  expect({ target: req.target, status: res.status }).toEqual({ target: req.target, status: 200 });
  const recs = fx.upstream.requests.slice(before);
  expect(recs).toHaveLength(1);
  return { res, rec: recs[0]! };
}

const NOMINATE_ALL = ["Connection", "close, Authorization, X-Api-Key, X-Provider, X-MBX-APIKEY, X-Custom-Key, X-Custom-Tenant, X-GitHub-Api-Version, Host"] as const;

describe("SEC-121 Connection-nominated removal cannot strip what the proxy injects", () => {
  it("SEC-121 github: Connection naming Authorization and X-Provider still forwards exactly the injected bearer", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/c121", headers: [["Connection", "close, Authorization, X-Api-Key, X-Provider"]] });
    expect(recorded(rec.rawHeaders, "authorization")).toEqual([`Bearer ${fx.secrets.GH_TOKEN}`]);
  });

  it("SEC-121 stripe: Connection naming X-Api-Key still forwards exactly the injected key", async () => {
    const { rec } = await forwarded({ provider: "stripe", target: "/v1/c121", headers: [["Connection", "close, Authorization, X-Api-Key, X-Provider"]] });
    expect(recorded(rec.rawHeaders, "x-api-key")).toEqual([fx.secrets.STRIPE_KEY]);
  });

  it.each([
    ["jira", "authorization", () => `Basic ${Buffer.from(`${fx.secrets.JIRA_USER}:${fx.secrets.JIRA_TOKEN}`).toString("base64")}`],
    ["binance", "x-mbx-apikey", () => fx.secrets.BN_KEY!],
    ["custom", "x-custom-key", () => fx.secrets.CUSTOM_KEY!],
    ["store", "authorization", () => `Bearer ${fx.secrets.STORE_SEED}`],
  ] as const)("SEC-121 %s: the injected %s survives a Connection header naming every credential slot", async (provider, header, expected) => {
    const { rec } = await forwarded({ provider, target: `${BASE_PATH[provider]}/c121`, headers: [NOMINATE_ALL] });
    expect(recorded(rec.rawHeaders, header)).toEqual([expected()]);
  });

  it("SEC-121 legacy: the injected api_key query parameter survives a Connection header (it is not a header)", async () => {
    const { rec } = await forwarded({ provider: "legacy", target: "/v1/c121?x=1", headers: [NOMINATE_ALL] });
    expect(rec.url).toBe(`/legacy/v1/c121?x=1&api_key=${encodeURIComponent(fx.secrets.LEGACY_KEY!)}`);
  });

  it("SEC-121 default headers are never removed by a Connection header", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/c121d", headers: [NOMINATE_ALL] });
    expect(recorded(rec.rawHeaders, "x-github-api-version")).toEqual(["2022-11-28"]);
  });

  it("SEC-121 the upstream Host is the provider's origin whatever the agent's Host or Connection say", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/host", headers: [NOMINATE_ALL, ["X-Host", "evil.example"]] });
    expect(recorded(rec.rawHeaders, "host")).toEqual([new URL(fx.upstream.url).host]);
  });

  it("X-Outpost-Auth nominated in Connection is still checked, and still never forwarded", async () => {
    await fx.refused({ psk: "wrong", target: "/repos/a/b", headers: [["Connection", "X-Outpost-Auth"]] }, 401, "PROXY_AUTH_REQUIRED");
    const before = fx.upstream.requests.length;
    const res = await fx.send({ target: "/repos/a/b/psk-nominated", headers: [["Connection", "X-Outpost-Auth, X-Provider"]] });
    expect(res.status).toBe(200);
    const rec = fx.upstream.requests[before]!;
    expect(recorded(rec.rawHeaders, "x-outpost-auth")).toEqual([]);
    expect(rec.rawHeaders.join("\n")).not.toContain(fx.secrets.PSK_R);
  });
});

describe("SEC-123 hop-by-hop headers", () => {
  it("SEC-123 Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Authorization, Proxy-Connection and Expect are never forwarded; the answer is U's", async () => {
    const { res, rec } = await forwarded({
      target: "/repos/a/b/c123",
      headers: [
        ["Connection", "keep-alive, X-Foo"],
        ["X-Foo", "1"],
        ["Keep-Alive", "timeout=5"],
        ["TE", "trailers"],
        ["Trailer", "X-A"],
        ["Upgrade", "h2c"],
        ["Proxy-Authorization", "Basic eDp5"],
        ["Proxy-Connection", "keep-alive"],
        ["Expect", "100-continue"],
        ["X-Kept", "yes"],
      ],
    });
    expect(res.text).toBe('{"ok":true}');
    for (const name of ["x-foo", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", "expect"]) {
      expect({ name, values: recorded(rec.rawHeaders, name) }).toEqual({ name, values: [] });
    }
    expect(recorded(rec.rawHeaders, "x-kept")).toEqual(["yes"]);
    expect(rec.rawHeaders.join("\n")).not.toContain("eDp5");
  });

  it("any header the agent nominates in Connection is dropped; the others pass", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/nominated", headers: [["Connection", "X-Secret-Hop"], ["X-Secret-Hop", "1"], ["connection", "x-other-hop"], ["X-Other-Hop", "2"], ["X-Normal", "3"]] });
    expect([recorded(rec.rawHeaders, "x-secret-hop"), recorded(rec.rawHeaders, "x-other-hop"), recorded(rec.rawHeaders, "x-normal")]).toEqual([[], [], ["3"]]);
  });

  it("any Proxy-* request header is dropped (proxy credentials belong to this hop)", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/proxy-star", headers: [["Proxy-Token", "t"], ["Proxy-Foo", "f"]] });
    expect(rec.rawHeaders.filter((_, i) => i % 2 === 0).filter((n) => n.toLowerCase().startsWith("proxy-"))).toEqual([]);
  });

  it("a WebSocket upgrade request is answered as plain HTTP: no tunnel, no Upgrade forwarded", async () => {
    const { res, rec } = await forwarded({ target: "/repos/a/b/ws", headers: [["Connection", "Upgrade"], ["Upgrade", "websocket"], ["Sec-WebSocket-Version", "13"], ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="]] });
    expect(res.status).toBe(200);
    expect(recorded(rec.rawHeaders, "upgrade")).toEqual([]);
  });

  it("upstream hop-by-hop and Connection-nominated response headers never reach the agent", async () => {
    const res = await fx.send({ as: "exec", target: "/repos/a/b/hop/set-cookie" });
    expect(res.status).toBe(200);
    expect(res.header("x-hop")).toBeUndefined();
    // The proxy's own connection management may add one Keep-Alive and Connection; never U's.
    expect(res.headers.filter(([n]) => /^(keep-alive|connection)$/i.test(n)).map(([n, v]) => `${n.toLowerCase()}: ${v}`)).not.toContain("connection: x-hop");
    expect(res.headers.filter(([n]) => n.toLowerCase() === "keep-alive").length).toBeLessThanOrEqual(1);
  });
});

describe("SEC-124 spoofable forwarding and rewrite headers", () => {
  const SPOOFED: [string, string][] = [
    ["X-Forwarded-Host", "evil.example"],
    ["X-Forwarded-Proto", "http"],
    ["X-Forwarded-Port", "6666"],
    ["X-Forwarded-Prefix", "/evil"],
    ["X-Forwarded-Server", "evil.example"],
    ["Forwarded", "host=evil.example;proto=http"],
    ["X-Original-URL", "/user/keys"],
    ["X-Rewrite-URL", "/user/keys"],
    ["X-Original-Host", "evil.example"],
    ["X-Real-IP", "6.6.6.6"],
    ["True-Client-IP", "6.6.6.6"],
    ["X-Client-IP", "6.6.6.6"],
    ["CF-Connecting-IP", "6.6.6.6"],
    ["Fastly-Client-IP", "6.6.6.6"],
    ["X-Cluster-Client-IP", "6.6.6.6"],
    ["Via", "1.1 evil.example"],
  ];

  it("SEC-124 none of the agent's forwarding, client-address or URL-rewrite headers reach U", async () => {
    const { rec } = await forwarded({ target: "/repos/a/b/c124", headers: SPOOFED });
    for (const [name] of SPOOFED) expect({ name, values: recorded(rec.rawHeaders, name) }).toEqual({ name, values: [] });
    expect(rec.rawHeaders.join("\n")).not.toMatch(/evil|6\.6\.6\.6|\/user\/keys/);
    expect(rec.url).toBe("/api/repos/a/b/c124");
  });

  it("SEC-124 X-Forwarded-For from an untrusted peer never reaches U as sent", async () => {
    const before = fx.upstream.requests.length;
    expect((await fx.send({ target: "/repos/a/b/xff", headers: [["X-Forwarded-For", "6.6.6.6"]] })).status).toBe(200);
    const values = recorded(fx.upstream.requests[before]!.rawHeaders, "x-forwarded-for");
    expect(values.join(",")).not.toContain("6.6.6.6");
  });

  it("SEC-124 a trusted proxy's chain is consumed, not relayed: U never sees the spoofed leftmost entry", async () => {
    const before = fx.upstream.requests.length;
    const res = await fx.send({ from: FROM.trusted, psk: fx.secrets.PSK_R, target: "/repos/a/b/xff2", headers: [["X-Forwarded-For", "6.6.6.6, 127.0.0.11"]] });
    expect(res.status).toBe(200);
    expect(recorded(fx.upstream.requests[before]!.rawHeaders, "x-forwarded-for").join(",")).not.toContain("6.6.6.6");
  });

  it("SEC-124 X-Original-URL naming a denied path changes neither the decision nor the forwarded path", async () => {
    await fx.refused({ target: "/user/keys", headers: [["X-Original-URL", "/repos/a/b"], ["X-Rewrite-URL", "/repos/a/b"]] }, 403, "PROXY_PATH_DENIED");
    const { rec } = await forwarded({ target: "/repos/a/b/orig", headers: [["X-Original-URL", "/user/keys"]] });
    expect(rec.url).toBe("/api/repos/a/b/orig");
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
